namespace Platform.Agent.DriverDisk;

/// <summary>
/// 7-Zip (`7zz`) as the driver disk uses it: list (type by content, every entry), test, extract.
/// Listing exits 0 for some broken archives and an ISO has no checksums, so a listing's problems
/// and a test both count; extraction is forced to the type the listing found, so that what was
/// checked is what gets written.
/// </summary>
internal sealed class SevenZip(string program, TimeSpan timeout)
{
    // Names as UTF-8 whatever the agent's locale.
    private static readonly Dictionary<string, string> Utf8 = new(StringComparer.Ordinal) { ["LC_ALL"] = "C.UTF-8" };

    public async Task<(ArchiveListing Listing, ToolResult Result)> ListAsync(string archive, int maxEntries, CancellationToken cancellationToken)
    {
        var parser = new ArchiveListingParser(maxEntries);
        // A listing far over the limit is stopped rather than read to the end.
        var stopAt = maxEntries + 1;
        var result = await ToolRunner.RunAsync(
            program,
            ["l", "-slt", "-sccUTF-8", "-bd", "--", archive],
            timeout,
            cancellationToken,
            line =>
            {
                parser.Feed(line);
                return parser.EntryCount <= stopAt;
            },
            Utf8).ConfigureAwait(false);
        var listing = parser.Finish();
        if (!result.Succeeded && !listing.Truncated)
        {
            var reason = result.StandardError.Trim().Length > 0 ? result.Reason : $"exit code {result.ExitCode}";
            listing = listing with { Problems = [.. listing.Problems, $"7-Zip cannot read it ({reason})"] };
        }
        return (listing, result);
    }

    public Task<ToolResult> TestAsync(string archive, string type, CancellationToken cancellationToken) =>
        ToolRunner.RunAsync(program, ["t", $"-t{type}", "-sccUTF-8", "-bd", "--", archive], timeout, cancellationToken, environment: Utf8);

    /// <summary>Extracts into <paramref name="directory"/> (which must exist and be empty), never overwriting (the entries were checked: no links).</summary>
    public Task<ToolResult> ExtractAsync(string archive, string type, string directory, CancellationToken cancellationToken) =>
        ToolRunner.RunAsync(
            program,
            ["x", $"-t{type}", "-sccUTF-8", "-bd", "-aou", $"-o{directory}", "--", archive],
            timeout,
            cancellationToken,
            environment: Utf8);
}

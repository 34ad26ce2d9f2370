namespace Platform.Agent.DriverDisk;

/// <summary>Limits an archive must stay within.</summary>
/// <param name="MaxEntries">Files and folders together (implicit folders included).</param>
/// <param name="MaxTotalBytes">Sum of the files' sizes after extraction.</param>
/// <param name="MaxPathLength">Longest path on the disk, "sys/wang/NAME/entry…" (Windows tools fail past MAX_PATH).</param>
internal sealed record ArchiveLimits(int MaxEntries, long MaxTotalBytes, int MaxPathLength);

/// <summary>What an accepted archive will write.</summary>
internal sealed record ArchiveSummary(string Type, int Files, int Folders, long TotalBytes);

/// <summary>
/// Decides from a listing alone (before anything is written) whether an archive may be extracted
/// into a driver folder: its type by content, and every entry — no links or devices, no absolute
/// paths, no '..', no '\', names NTFS and Windows can hold, no two names that differ only in case,
/// and the limits. 7-Zip itself flattens '../' and absolute names and extracts symlinks, so none
/// of this may be left to it.
/// </summary>
internal static class ArchiveRules
{
    /// <summary>At most this many entry problems are reported; the count of the rest follows.</summary>
    public const int MaxReportedProblems = 20;

    // 7-Zip's letters for Windows attributes: L = reparse point (a link), d = device.
    private const string ForbiddenWindowsAttributes = "Ld";

    public static (ArchiveSummary? Summary, DriverDiskError? Error) Check(
        ArchiveListing listing, DriverFolder folder, string targetName, ArchiveLimits limits)
    {
        if (listing.Type is null)
        {
            return (null, DriverDiskError.Of(DriverDiskErrorKind.InvalidArchive, "the upload is not an archive 7-Zip can open",
                [.. listing.Problems.Take(MaxReportedProblems).Select(p => new DriverDiskErrorDetail("archive", p))]));
        }
        if (!DriverFolders.Accepts(folder, listing.Type))
        {
            return (null, DriverDiskError.Field(DriverDiskErrorKind.UnacceptableType, "archive",
                $"has the content type {listing.Type} (whatever its name says); {DriverFolders.RelativePath(folder)} takes {string.Join(" or ", DriverFolders.AcceptedTypes(folder))}"));
        }

        var problems = new List<DriverDiskErrorDetail>();
        foreach (var problem in listing.Problems)
        {
            problems.Add(new DriverDiskErrorDetail("archive", problem));
        }
        if (listing.Offset is > 0)
        {
            problems.Add(new DriverDiskErrorDetail("archive", $"starts {listing.Offset} bytes into the file (something else is in front of it)"));
        }
        if (listing.Truncated || listing.EntryCount > limits.MaxEntries)
        {
            problems.Add(new DriverDiskErrorDetail("archive", $"has {listing.EntryCount} entries, more than the {limits.MaxEntries} allowed"));
        }

        var prefixLength = DriverFolders.RelativePath(folder).Length + 1 + targetName.Length + 1;
        var seen = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        var folders = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        long total = 0;
        var files = 0;
        foreach (var entry in listing.Entries)
        {
            if (EntryProblem(entry, prefixLength, limits.MaxPathLength) is { } problem)
            {
                problems.Add(new DriverDiskErrorDetail($"entry '{Shorten(entry.Path)}'", problem));
                continue;
            }
            if (!seen.TryAdd(entry.Path, entry.IsFolder))
            {
                problems.Add(new DriverDiskErrorDetail($"entry '{Shorten(entry.Path)}'", "appears twice (names on NTFS and Windows ignore case)"));
                continue;
            }
            var segments = entry.Path.Split('/');
            for (var i = 1; i < segments.Length; i++)
            {
                folders.Add(string.Join('/', segments[..i]));
            }
            if (entry.IsFolder)
            {
                folders.Add(entry.Path);
                continue;
            }
            files++;
            total += entry.Size!.Value;
        }
        foreach (var (path, isFolder) in seen)
        {
            if (!isFolder && folders.Contains(path))
            {
                problems.Add(new DriverDiskErrorDetail($"entry '{Shorten(path)}'", "is a file and also a folder of other entries"));
            }
        }
        var distinct = folders.Count + files;
        if (!listing.Truncated && distinct > limits.MaxEntries && listing.EntryCount <= limits.MaxEntries)
        {
            problems.Add(new DriverDiskErrorDetail("archive", $"has {distinct} files and folders, more than the {limits.MaxEntries} allowed"));
        }
        if (total > limits.MaxTotalBytes)
        {
            problems.Add(new DriverDiskErrorDetail("archive", $"extracts to {total} bytes, more than the {limits.MaxTotalBytes} allowed"));
        }
        if (files == 0 && problems.Count == 0)
        {
            problems.Add(new DriverDiskErrorDetail("archive", "holds no files"));
        }
        if (problems.Count > 0)
        {
            var reported = problems.Take(MaxReportedProblems).ToList();
            if (problems.Count > MaxReportedProblems)
            {
                reported.Add(new DriverDiskErrorDetail("archive", $"and {problems.Count - MaxReportedProblems} more problems"));
            }
            return (null, DriverDiskError.Of(DriverDiskErrorKind.InvalidArchive, $"the archive cannot be imported: {reported[0].Field} {reported[0].Reason}", [.. reported]));
        }
        return (new ArchiveSummary(listing.Type, files, folders.Count, total), null);
    }

    /// <summary>Why one entry may not be extracted, or null.</summary>
    public static string? EntryProblem(ArchiveEntry entry, int prefixLength, int maxPathLength)
    {
        var path = entry.Path;
        if (path.Length == 0)
        {
            return "has an empty name";
        }
        if (path.StartsWith('/'))
        {
            return "is an absolute path";
        }
        if (path.Contains('\\', StringComparison.Ordinal))
        {
            return "holds '\\', a path separator on Windows";
        }
        foreach (var segment in path.Split('/'))
        {
            if (segment == "..")
            {
                return "climbs out with '..'";
            }
            if (NtfsNames.ComponentProblem(segment) is { } problem)
            {
                return $"has a name that {problem}";
            }
        }
        if (prefixLength + path.Length > maxPathLength)
        {
            return $"makes a path of {prefixLength + path.Length} characters on the disk, more than {maxPathLength}";
        }
        if (LinkOrDevice(entry) is { } kind)
        {
            return $"is {kind}";
        }
        if (entry.Property("Encrypted") == "+")
        {
            return "is encrypted";
        }
        if (!entry.IsFolder && entry.Size is null)
        {
            return "does not state its size";
        }
        return null;
    }

    /// <summary>"a symbolic link", "a hard link", "a device or special file", or null for a plain file or folder.</summary>
    public static string? LinkOrDevice(ArchiveEntry entry)
    {
        if (!string.IsNullOrEmpty(entry.Property("Symbolic Link")))
        {
            return "a symbolic link";
        }
        if (!string.IsNullOrEmpty(entry.Property("Hard Link")) || !string.IsNullOrEmpty(entry.Property("Link")))
        {
            return "a hard link";
        }
        foreach (var key in (string[])["Attributes", "Mode"])
        {
            if (entry.Property(key) is not { Length: > 0 } value)
            {
                continue;
            }
            foreach (var token in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (IsUnixMode(token))
                {
                    switch (token[0])
                    {
                        case 'l':
                            return "a symbolic link";
                        case '-' or 'd' or '0':
                            break;
                        default:
                            return "a device or special file";
                    }
                }
                else if (key == "Attributes" && token.All(char.IsAsciiLetter) && token.Any(ForbiddenWindowsAttributes.Contains))
                {
                    return token.Contains('L', StringComparison.Ordinal) ? "a symbolic link (a reparse point)" : "a device or special file";
                }
            }
        }
        return null;
    }

    /// <summary>A mode as `ls -l` shows it: a type letter and nine permission characters.</summary>
    private static bool IsUnixMode(string token) =>
        token.Length == 10 && "-dlcbps?0".Contains(token[0], StringComparison.Ordinal) && token[1..].All(c => "-rwxsStT".Contains(c, StringComparison.Ordinal));

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..117] + "...";
}

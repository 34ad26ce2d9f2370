namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// Every secret the tests make or are given (passwords, API and terminal tokens, session cookies and CSRF tokens, private keys), kept in
/// <c>$PLATFORM_TEST_STATE/secrets-used.tsv</c> (0600) for the run's secret scan, which fails the
/// run when one of them appears in a log line or a test's output.
/// </summary>
internal static class TestSecrets
{
    private static readonly object Gate = new();

    public static string FilePath => Path.Combine(TestEnvironment.StateDirectory, "secrets-used.tsv");

    /// <summary>Notes <paramref name="secret"/> (what it is, for the scan's report, which never prints the secret) and answers it.</summary>
    public static string Record(string secret, string what)
    {
        lock (Gate)
        {
            using var stream = new FileStream(FilePath, new FileStreamOptions
            {
                Mode = FileMode.Append,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            using var writer = new StreamWriter(stream);
            writer.WriteLine($"{what.Replace('\t', ' ')}\t{secret}");
        }
        return secret;
    }

    /// <summary>
    /// Notes a PEM private key by one line of its body, the scan being line by line: the longest
    /// (the last of equals, which for a P-256 PKCS#8 key holds the most of the private scalar),
    /// the same line packaging/scripts/secret-scan.sh picks from the environment's own keys.
    /// </summary>
    public static void RecordPrivateKey(string pem, string what)
    {
        var body = pem.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith("-----", StringComparison.Ordinal)).ToList();
        if (body.Count == 0)
        {
            throw new ArgumentException($"{what} is not a PEM key", nameof(pem));
        }
        Record(body.Aggregate((longest, line) => line.Length >= longest.Length ? line : longest), what);
    }
}

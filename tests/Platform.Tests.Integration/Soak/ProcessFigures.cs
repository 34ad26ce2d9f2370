using System.Globalization;

namespace Platform.Tests.Integration.Soak;

/// <summary>What /proc says about one process at one moment: resident memory, open descriptors, threads.</summary>
internal sealed record ProcessFigures(long RssKib, int OpenFiles, int Threads)
{
    public double RssMib => RssKib / 1024.0;

    /// <summary>The figures of <paramref name="pid"/>, or null when it is gone.</summary>
    public static ProcessFigures? Of(int pid)
    {
        try
        {
            long rss = -1;
            var threads = -1;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(Field(line), NumberStyles.None, CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = int.Parse(Field(line), NumberStyles.None, CultureInfo.InvariantCulture);
                }
            }
            var files = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
            return rss < 0 || threads < 0 ? null : new ProcessFigures(rss, files, threads);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        static string Field(string line) => line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1];
    }
}

using System.Globalization;
using System.Text;

namespace Platform.Agent.DriverDisk;

/// <summary>One line of /proc/self/mountinfo.</summary>
internal sealed record MountEntry(string MountPoint, string FileSystemType, string Source);

/// <summary>A process as /proc shows it; <see cref="StartTicks"/> tells a reused pid from the original.</summary>
internal sealed record ProcessEntry(int Pid, long StartTicks, IReadOnlyList<string> Arguments)
{
    /// <summary>The program's file name without directory (argv[0]'s last segment).</summary>
    public string Program => Arguments.Count == 0 ? "" : Path.GetFileName(Arguments[0]);
}

/// <summary>Reads mounts and processes from /proc: what a restarted agent uses to find what an earlier one left behind.</summary>
internal static class ProcFs
{
    public static IReadOnlyList<MountEntry> ReadMounts() => ParseMountInfo(File.ReadAllText("/proc/self/mountinfo"));

    /// <summary>
    /// Parses mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS",
    /// with spaces, tabs, newlines and backslashes in paths written as octal escapes (\040).
    /// </summary>
    public static IReadOnlyList<MountEntry> ParseMountInfo(string text)
    {
        var mounts = new List<MountEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            var separator = fields.Length < 7 ? -1 : Array.IndexOf(fields, "-", 6);
            if (separator < 0 || separator + 2 >= fields.Length)
            {
                continue;
            }
            mounts.Add(new MountEntry(Unescape(fields[4]), Unescape(fields[separator + 1]), Unescape(fields[separator + 2])));
        }
        return mounts;
    }

    /// <summary>Every live (not zombie) process whose arguments satisfy <paramref name="match"/>.</summary>
    public static IReadOnlyList<ProcessEntry> FindProcesses(Func<IReadOnlyList<string>, bool> match)
    {
        var found = new List<ProcessEntry>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            var arguments = ReadArguments(pid);
            if (arguments is null || arguments.Count == 0 || !match(arguments))
            {
                continue;
            }
            if (ReadStat(pid) is { Zombie: false } stat)
            {
                found.Add(new ProcessEntry(pid, stat.StartTicks, arguments));
            }
        }
        return found;
    }

    /// <summary>The process, if <paramref name="pid"/> names a live (not zombie) one.</summary>
    public static ProcessEntry? Find(int pid)
    {
        if (pid <= 0 || ReadStat(pid) is not { Zombie: false } stat)
        {
            return null;
        }
        return new ProcessEntry(pid, stat.StartTicks, ReadArguments(pid) ?? []);
    }

    /// <summary>True while the very process <paramref name="process"/> runs (same pid and start time, not a zombie).</summary>
    public static bool IsAlive(ProcessEntry process) =>
        ReadStat(process.Pid) is { Zombie: false } stat && stat.StartTicks == process.StartTicks;

    /// <summary>
    /// Parses /proc/PID/stat: "PID (COMM) STATE PPID ..." where COMM may hold spaces and
    /// parentheses, so fields are counted from the last ')'. Field 22 is the start time.
    /// </summary>
    public static (bool Zombie, long StartTicks)? ParseStat(string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return null;
        }
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); the start time is field 22, so fields[19].
        if (fields.Length < 20 || !long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }
        return (fields[0] is "Z" or "X" or "x", start);
    }

    private static (bool Zombie, long StartTicks)? ReadStat(int pid)
    {
        try
        {
            return ParseStat(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static List<string>? ReadArguments(int pid)
    {
        try
        {
            var bytes = File.ReadAllBytes($"/proc/{pid}/cmdline");
            return [.. Encoding.UTF8.GetString(bytes).Split('\0', StringSplitOptions.RemoveEmptyEntries)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }
        var text = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1) && IsOctal(field, i + 2) && IsOctal(field, i + 3))
            {
                text.Append((char)(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }
        return text.ToString();
    }

    private static bool IsOctal(string text, int index) => index < text.Length && text[index] is >= '0' and <= '7';
}

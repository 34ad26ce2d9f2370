using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Platform.Benchmarks.DriverDisk;

/// <summary>What /proc says about processes and mounts, and the two system calls the run needs (kill, umount2).</summary>
internal static partial class ProcInfo
{
    public const int SigTerm = 15;
    public const int SigKill = 9;
    public const int Einval = 22;
    private const int MntDetach = 2;

    /// <summary>Running (not a zombie): a daemon that exited only waits for PID 1 to reap it.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X" or "x");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The arguments of a process (argv), empty when it is gone or a kernel thread.</summary>
    public static string[] Arguments(int pid)
    {
        try
        {
            var bytes = File.ReadAllBytes($"/proc/{pid}/cmdline");
            return bytes.Length == 0 ? [] : Encoding.UTF8.GetString(bytes).TrimEnd('\0').Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>VmRSS and VmHWM (peak RSS) in KiB, null when the process is gone.</summary>
    public static (long RssKib, long HwmKib)? Memory(int pid)
    {
        try
        {
            long rss = -1, hwm = -1;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kib(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = Kib(line);
                }
            }
            return rss < 0 || hwm < 0 ? null : (rss, hwm);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        static long Kib(string line) =>
            long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], NumberStyles.None, CultureInfo.InvariantCulture);
    }

    public static IEnumerable<int> AllPids() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name is { Length: > 0 } && name.All(char.IsAsciiDigit))
            .Select(name => int.Parse(name!, NumberStyles.None, CultureInfo.InvariantCulture));

    /// <summary>Processes whose arguments mention <paramref name="marker"/> (a run's own directory), this one excluded.</summary>
    public static List<(int Pid, string[] Arguments)> Mentioning(string marker) =>
        AllPids().Where(pid => pid != Environment.ProcessId)
            .Select(pid => (Pid: pid, Arguments: Arguments(pid)))
            .Where(p => p.Arguments.Any(a => a.Contains(marker, StringComparison.Ordinal)))
            .ToList();

    /// <summary>A short name for a process: the program, or the script an interpreter runs (virt-make-fs is perl).</summary>
    public static string ProgramName(string[] arguments)
    {
        if (arguments.Length == 0)
        {
            return "?";
        }
        var program = Path.GetFileName(arguments[0]);
        if (program is "perl" or "sh" or "bash" or "python3" && arguments.Length > 1 && !arguments[1].StartsWith('-'))
        {
            return Path.GetFileName(arguments[1]);
        }
        return program == "dotnet" && arguments.Length > 1 ? Path.GetFileNameWithoutExtension(arguments[1]) : program;
    }

    /// <summary>(source, mount point, type) of every mount at or under <paramref name="root"/>.</summary>
    public static List<(string Source, string MountPoint, string Type)> MountsUnder(string root)
    {
        var prefix = Path.TrimEndingDirectorySeparator(root) + "/";
        return File.ReadLines("/proc/mounts")
            .Select(l => l.Split(' '))
            .Where(f => f.Length > 2)
            .Select(f => (Source: Unescape(f[0]), MountPoint: Unescape(f[1]), Type: f[2]))
            .Where(m => m.MountPoint.StartsWith(prefix, StringComparison.Ordinal))
            .ToList();

        // /proc/mounts writes space, tab, newline and backslash as \ooo.
        static string Unescape(string field) => System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})",
            m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
    }

    /// <summary>Sends <paramref name="signal"/> to one process by PID; false when it is not there.</summary>
    public static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>umount2; lazily (detached) when <paramref name="detach"/>. Returns errno, 0 on success.</summary>
    public static int Unmount(string mountPoint, bool detach = false) =>
        Umount2(mountPoint, detach ? MntDetach : 0) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Waits until the process is no longer running; false if it still is after <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsRunning(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);
}

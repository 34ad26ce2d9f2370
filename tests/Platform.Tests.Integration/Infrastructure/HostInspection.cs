namespace Platform.Tests.Integration.Infrastructure;

/// <summary>What an environment may leave on the machine, read straight from /proc and /sys.</summary>
internal static class HostInspection
{
    /// <summary>
    /// Processes whose command line names <paramref name="path"/>, or that live in another
    /// mount namespace whose mounts name it (a libvirtd in its private namespace).
    /// </summary>
    public static IReadOnlyList<string> ProcessesReferencing(string path)
    {
        var ownMountNamespace = new FileInfo("/proc/self/ns/mnt").LinkTarget;
        var found = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            var pid = Path.GetFileName(directory);
            if (!pid.All(char.IsAsciiDigit) || pid == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                continue;
            }
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ').Trim();
                var inOtherMountNamespace = new FileInfo(Path.Combine(directory, "ns", "mnt")).LinkTarget != ownMountNamespace;
                if (commandLine.Contains(path, StringComparison.Ordinal)
                    || (inOtherMountNamespace && File.ReadAllText(Path.Combine(directory, "mountinfo")).Contains(path, StringComparison.Ordinal)))
                {
                    found.Add($"{pid}: {commandLine}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process exited while we looked.
            }
        }
        return found;
    }

    public static IReadOnlyList<string> MountsReferencing(string path) =>
        File.ReadAllLines("/proc/self/mountinfo").Where(line => line.Contains(path, StringComparison.Ordinal)).ToList();

    public static IReadOnlyList<string> LoopDevicesBackedBy(string path) =>
        Directory.EnumerateDirectories("/sys/block", "loop*")
            .Select(device => (device, backing: Path.Combine(device, "loop", "backing_file")))
            .Where(d => File.Exists(d.backing) && File.ReadAllText(d.backing).Contains(path, StringComparison.Ordinal))
            .Select(d => Path.GetFileName(d.device))
            .ToList();

    public static bool NetworkInterfaceExists(string name) => Directory.Exists(Path.Combine("/sys/class/net", name));

    /// <summary>A zombie (exited, not yet reaped by its adoptive parent) counts as gone.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

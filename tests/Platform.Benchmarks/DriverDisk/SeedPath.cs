using System.Diagnostics;
using System.Globalization;
using Platform.Benchmarks.Grpc;
using Platform.Benchmarks.Infrastructure;

namespace Platform.Benchmarks.DriverDisk;

/// <summary>What the seed's path measured, seconds per command.</summary>
internal sealed record SeedRun(
    double WarmupSeconds,
    double MakeFsSeconds,
    double OverlaySeconds,
    double MountSeconds,
    double CopySeconds,
    double UnmountSeconds,
    double ExitWaitSeconds,
    double CommitSeconds,
    long OverlayBytes,
    string Device,
    List<ProgramPeak> Memory,
    CpuShares Cpu)
{
    public double BuildSeconds => MakeFsSeconds + OverlaySeconds;

    public double SaveSeconds => UnmountSeconds + ExitWaitSeconds + CommitSeconds;
}

/// <summary>
/// The seed design's commands (seed 003 §4.2.1) on the same package and machine: virt-make-fs
/// of the skeleton (DOS/COMMAND.COM, sys/wang, sys/tq, pri) into a qcow2 NTFS base, qemu-img
/// create -b for the overlay, guestmount of the overlay, cp of the ISO into sys/wang,
/// guestunmount and a wait for guestmount to exit (it returns first; the image stays locked
/// until then), qemu-img commit of the overlay into the base. libguestfs runs its appliance with
/// the direct backend under TCG, as it must on this machine (notes/ENVIRONMENT.md).
/// </summary>
internal static class SeedPath
{
    /// <summary>virt-make-fs puts the file system on the whole disk, no partition table (virt-filesystems shows /dev/sda as ntfs).</summary>
    public const string Device = "/dev/sda";

    public static readonly IReadOnlyDictionary<string, string> LibguestfsEnvironment = new Dictionary<string, string>
    {
        ["LIBGUESTFS_BACKEND"] = "direct",
        ["LIBGUESTFS_BACKEND_SETTINGS"] = "force_tcg",
    };

    public static async Task<SeedRun> RunAsync(string directory, DriverPackage package, int sizeGibibytes)
    {
        var tree = Path.Combine(directory, "tree");
        foreach (var folder in new[] { "DOS", "sys/wang", "sys/tq", "pri" })
        {
            Directory.CreateDirectory(Path.Combine(tree, folder));
        }
        // The seed's pretend DOS, so that inspection finds an operating system: INT 20h.
        await File.WriteAllBytesAsync(Path.Combine(tree, "DOS", "COMMAND.COM"), [0xCD, 0x20]);
        var baseImage = Path.Combine(directory, "base.qcow2");
        var overlay = Path.Combine(directory, "overlay.qcow2");
        var mountPoint = Directory.CreateDirectory(Path.Combine(directory, "mnt")).FullName;
        var pidFile = Path.Combine(directory, "guestmount.pid");
        var environment = new Dictionary<string, string>(LibguestfsEnvironment)
        {
            // libguestfs' temporary files in the run's directory; its appliance cache stays where it is kept between runs.
            ["LIBGUESTFS_TMPDIR"] = Directory.CreateDirectory(Path.Combine(directory, "tmp")).FullName,
            ["GUESTMOUNT_LOG"] = Path.Combine(directory, "guestmount.log"),
        };

        // Untimed: an appliance launch, so that the supermin appliance is built and cached (the seed's server has it after its first use).
        var warmup = await RunAsync("guestfish", ["--ro", "-a", "/dev/null", "run"], environment);
        Progress($"seed: appliance warm-up (guestfish run, untimed) {warmup:F1} s");

        var memory = new MemorySampler(directory, null, "");
        SeedRun run;
        var mounted = false;
        try
        {
            var makeFs = await RunAsync("virt-make-fs", ["--format=qcow2", $"--size={sizeGibibytes}G", "--type=ntfs", tree, baseImage], environment);
            Progress($"seed: virt-make-fs {makeFs:F2} s");
            var create = await RunAsync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", baseImage, "-F", "qcow2", overlay], environment);

            // guestmount forks its FUSE daemon once mounted: through sh so that the daemon holds a log file, not this process's pipes.
            var mount = await RunAsync("guestmount", "/bin/sh", ["-c", "exec \"$0\" \"$@\" >>\"$GUESTMOUNT_LOG\" 2>&1",
                "guestmount", "--format=qcow2", "-a", overlay, "-m", Device, "--pid-file", pidFile, mountPoint], environment);
            mounted = true;
            if (!Directory.Exists(Path.Combine(mountPoint, "sys", "wang")))
            {
                throw new InvalidOperationException($"guestmount returned but {mountPoint}/sys/wang is not there");
            }
            Progress($"seed: guestmount {mount:F2} s (guestmount pid {ReadPid(pidFile)})");

            var target = Path.Combine(mountPoint, "sys", "wang", Path.GetFileName(package.Iso));
            var copy = await RunAsync("cp", [package.Iso, target], environment);
            if (new FileInfo(target).Length != package.Bytes)
            {
                throw new InvalidOperationException($"{target} has {new FileInfo(target).Length} bytes after cp, not {package.Bytes}");
            }
            Progress($"seed: cp {copy:F2} s ({package.Bytes / 1e6 / copy:F1} MB/s)");

            var (unmount, exitWait) = await UnmountAsync(mountPoint, pidFile, environment);
            mounted = false;
            var overlayBytes = new FileInfo(overlay).Length;
            var commit = await RunAsync("qemu-img", ["commit", "-q", overlay], environment);
            Progress($"seed: guestunmount {unmount:F2} s + wait for guestmount to exit {exitWait:F2} s + qemu-img commit {commit:F2} s");
            run = new SeedRun(warmup, makeFs, create, mount, copy, unmount, exitWait, commit, overlayBytes, Device, await memory.StopAsync(), memory.Cpu);
        }
        finally
        {
            if (mounted)
            {
                try
                {
                    _ = await UnmountAsync(mountPoint, pidFile, environment);
                        }
                catch (InvalidOperationException e)
                {
                    Console.Error.WriteLine($"warning: {e.Message}");
                }
            }
            await memory.DisposeAsync();
        }
        return run;
    }

    /// <summary>guestunmount, then the wait until guestmount (by its pid file) has exited and released the image.</summary>
    private static async Task<(double Unmount, double ExitWait)> UnmountAsync(string mountPoint, string pidFile, IReadOnlyDictionary<string, string> environment)
    {
        var pid = ReadPid(pidFile) ?? throw new InvalidOperationException($"guestmount left no pid in {pidFile}");
        var unmount = await RunAsync("guestunmount", [mountPoint], environment);
        var waiting = Stopwatch.StartNew();
        if (!await ProcInfo.WaitForExitAsync(pid, TimeSpan.FromMinutes(10)))
        {
            throw new InvalidOperationException($"guestmount (pid {pid}) did not exit within 10 min of guestunmount");
        }
        return (unmount, waiting.Elapsed.TotalSeconds);
    }

    /// <summary>Runs a command to its end; seconds from start to exit. A failure breaks the run.</summary>
    private static Task<double> RunAsync(string program, string[] arguments, IReadOnlyDictionary<string, string> environment) =>
        RunAsync(program, program, arguments, environment);

    private static async Task<double> RunAsync(string name, string program, string[] arguments, IReadOnlyDictionary<string, string> environment)
    {
        var began = Stopwatch.StartNew();
        using var process = ChildProcess.Start(name, program, arguments, environment);
        await process.WaitForExitAsync();
        var seconds = began.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{name} {string.Join(' ', arguments)} failed (exit {process.ExitCode}):\n{process.Output}");
        }
        return seconds;
    }

    private static int? ReadPid(string pidFile) =>
        File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : null;

    private static void Progress(string message) => GrpcBenchmark.Progress(message);
}

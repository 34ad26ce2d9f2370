using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using Platform.Benchmarks.Grpc;
using Platform.Benchmarks.Infrastructure;

namespace Platform.Benchmarks.DriverDisk;

/// <summary>
/// The agent's NTFS driver disk against the seed design's libguestfs path, in one run on one
/// machine with one driver package: build the disk, mount it, import the package, save.
/// </summary>
internal sealed class DriverDiskBenchmark(DriverDiskBenchmarkOptions options)
{
    public const string Usage = """
        usage: Platform.Benchmarks driver-disk [options]
          --agent PATH        a built Platform.Agent.dll (env PLATFORM_BENCH_AGENT_DLL); default:
                              publish agent/Platform.Agent of this repository (Release) for the run
          --package-mib N     MiB of random files in the driver package, an ISO (default 200)
          --size-gib N        virtual size of the disk (default 256)
          --skip-seed         the agent's path only (quick checks): no libguestfs, no ratios
        Ours: the agent process driven over gRPC (InitializeDriverDisk, UploadFile + ImportDriverArchive,
        SaveDriverDisk). The seed's path: virt-make-fs, qemu-img create -b, guestmount, cp, guestunmount,
        qemu-img commit (libguestfs-tools; its appliance runs under TCG here: minutes). Everything under a
        directory of /tmp, removed at the end. Prints a table with ratios, the goals (PASS/MISS) and peak RSS;
        exits 0 whatever the numbers, 1 if the run broke, 2 for bad options or missing tools.
        """;

    private const double BuildGoal = 3;
    private const double MountGoal = 0.5;
    private const double ImportGoal = 3;
    private const double SaveGoal = 3;
    private const double OverallGoal = 10;

    // What an interrupt must undo: the agent (SIGTERM by PID), then the run's directory (with guestmount's mount).
    private static string? _root;
    private static int _agentPid;

    public static Task<int> MainAsync(string[] args, Assembly assembly)
    {
        // Missing tools are exit 2 like bad options, with how to install them (the benchmark installs nothing).
        if (args is not ["-h" or "--help", ..])
        {
            try
            {
                if (MissingTools(DriverDiskBenchmarkOptions.Parse(args, assembly)) is { } missing)
                {
                    Console.Error.WriteLine(missing);
                    return Task.FromResult(2);
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                // BenchmarkMain reports it with the usage.
            }
        }
        return BenchmarkMain.RunAsync(args, Usage, a => DriverDiskBenchmarkOptions.Parse(a, assembly),
            options => new DriverDiskBenchmark(options).RunAsync(), Interrupt);
    }

    public async Task RunAsync()
    {
        var clock = Stopwatch.StartNew();
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        var root = RunDirectory.Create();
        _root = root;
        try
        {
            Progress($"run directory {root}");
            var publishing = options.AgentDll is null ? PublishAsync(Path.Combine(root, "agent-bin")) : Task.FromResult((options.AgentDll, (string?)null));
            var making = DriverPackage.CreateAsync(Directory.CreateDirectory(Path.Combine(root, "package")).FullName, options.PackageMebibytes);
            var (agentDll, warning) = await publishing;
            var package = await making;
            Progress($"package {Path.GetFileName(package.Iso)}: {package.Files} random files, ISO {Mib(package.Bytes)}");

            var ours = await AgentPath.RunAsync(agentDll, Directory.CreateDirectory(Path.Combine(root, "ours")).FullName, package, options.SizeBytes,
                pid => _agentPid = pid ?? 0);
            SeedRun? seed = null;
            if (!options.SkipSeed)
            {
                seed = await SeedPath.RunAsync(Directory.CreateDirectory(Path.Combine(root, "seed")).FullName, package, options.SizeGibibytes);
            }
            var versions = await ToolVersionsAsync(options.SkipSeed);
            Console.WriteLine();
            PrintSetup(agentDll, warning, package, root, seed, versions, load, ours.Cpu);
            PrintTable(package, ours, seed);
            PrintGoals(package, ours, seed);
            PrintMemory(ours, seed);
        }
        finally
        {
            // _root stays set meanwhile: an interrupt now waits for this removal instead of exiting in its middle.
            RunDirectory.Remove(root);
            _root = null;
        }
        Console.WriteLine();
        Console.WriteLine($"run time {clock.Elapsed.TotalSeconds:F0} s (this process, after the build; includes publishing the agent, making the package"
            + (options.SkipSeed ? ")" : ", the seed's appliance warm-up)"));
    }

    /// <summary>SIGINT/SIGTERM: the agent first (SIGTERM by PID: it unmounts), then the other children, then what is left under the run's directory.</summary>
    private static void Interrupt()
    {
        if (Interlocked.Exchange(ref _agentPid, 0) is var pid and > 0)
        {
            _ = ProcInfo.Signal(pid, ProcInfo.SigTerm);
            _ = ProcInfo.WaitForExitAsync(pid, TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        }
        ChildProcess.Registry.StopAll();
        if (Interlocked.Exchange(ref _root, null) is { } root)
        {
            RunDirectory.Remove(root);
        }
    }

    private async Task<(string Dll, string? Warning)> PublishAsync(string output)
    {
        var grpc = new GrpcBenchmark(options.Grpc);
        var dll = await grpc.PublishAgentAsync(output);
        return (dll, grpc.AgentWarning);
    }

    /// <summary>Null when every program the run needs is on PATH, else what is missing and how to install it.</summary>
    private static string? MissingTools(DriverDiskBenchmarkOptions options)
    {
        (string Package, string[] Programs)[] needed =
        [
            ("genisoimage", ["genisoimage"]),
            ("qemu-utils", ["qemu-img"]),
            ("qemu-system-common", ["qemu-storage-daemon"]),
            ("ntfs-3g", ["ntfs-3g", "mkntfs"]),
            ("7zip", ["7zz"]),
            .. options.SkipSeed ? [] : new[] { ("libguestfs-tools", new[] { "virt-make-fs", "guestmount", "guestunmount", "guestfish" }) },
        ];
        var missing = needed.Select(n => (n.Package, Programs: n.Programs.Where(p => FindOnPath(p) is null).ToArray()))
            .Where(n => n.Programs.Length > 0).ToList();
        if (missing.Count == 0)
        {
            return null;
        }
        // Installed but not on PATH (mkntfs is in /usr/sbin): the agent finds its tools on PATH too.
        string Where(string program) => new[] { "/usr/local/sbin", "/usr/sbin", "/sbin" }.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists) is { } found
            ? $"{program} (installed as {found}, but not on PATH: add {Path.GetDirectoryName(found)} to PATH)"
            : program;
        var lines = missing.Select(m => $"  {string.Join(", ", m.Programs.Select(Where))} (package {m.Package})");
        var guestfs = missing.Any(m => m.Package == "libguestfs-tools")
            ? "\nlibguestfs-tools takes about a minute and brings a kernel into /boot, which its appliance (supermin) needs; --skip-seed measures the agent's path alone."
            : "";
        return $"driver-disk benchmark: missing programs:\n{string.Join('\n', lines)}\n"
            + $"install them (as root) with:\n  apt-get update && apt-get install -y {string.Join(' ', missing.Select(m => m.Package))}{guestfs}";
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    private static async Task<List<string>> ToolVersionsAsync(bool skipSeed)
    {
        var versions = new List<string>();
        foreach (var (program, argument) in skipSeed ? [("qemu-img", "--version")] : new[] { ("qemu-img", "--version"), ("guestfish", "--version") })
        {
            using var process = ChildProcess.Start(program, program, [argument]);
            await process.WaitForExitAsync();
            versions.Add(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? program);
        }
        return versions;
    }

    // ---- Output ----

    private void PrintSetup(string agentDll, string? warning, DriverPackage package, string root, SeedRun? seed, List<string> versions, string load, CpuShares oursCpu)
    {
        Console.WriteLine($"Driver disk benchmark: the agent's NTFS driver disk vs the seed's libguestfs path{(seed is null ? " (--skip-seed: ours only)" : "")}, same run, same package");
        Console.WriteLine($"  machine  {Environment.ProcessorCount} CPUs, {RuntimeInformation.OSDescription}; {string.Join("; ", versions)}");
        Console.WriteLine($"  agent    {agentDll}; one PlatformChannel (call-log interceptor), typed DriverDiskService/FileService clients;");
        Console.WriteLine($"           GetDriverDiskState polled every {StatePoller.Interval.TotalMilliseconds:F0} ms during each command (its step times)");
        if (warning is not null)
        {
            Console.WriteLine($"           WARNING: {warning}");
        }
        Console.WriteLine($"  package  {Path.GetFileName(package.Iso)}: {package.Files} incompressible random files ({Mib(package.ContentBytes)}, 0.5-4 MiB each, 16 a folder)");
        Console.WriteLine($"           in an ISO of {Mib(package.Bytes)} (genisoimage -J -R); ours imports it into SYSTEM_UNIVERSAL (sys/wang/{AgentPath.TargetName})");
        Console.WriteLine($"  disk     {options.SizeGibibytes} GiB virtual NTFS in qcow2; both sides under {root} (one file system)");
        static string Shares(CpuShares cpu) => $"busy {cpu.MachineBusy * 100:F0}% = the run {cpu.Run * 100:F0}% + other work {cpu.Others * 100:F0}%";
        Console.WriteLine($"  load     1-min load average {load} at the start; all {Environment.ProcessorCount} CPUs while ours ran: {Shares(oursCpu)}"
            + (seed is null ? "" : $";\n           while the seed's ran: {Shares(seed.Cpu)}") + " (other work on the box slows both sides)");
        if (seed is not null)
        {
            Console.WriteLine($"  seed     LIBGUESTFS_BACKEND=direct, LIBGUESTFS_BACKEND_SETTINGS=force_tcg (no KVM appliance here); file system on {seed.Device} (no partition);");
            Console.WriteLine($"           one untimed appliance launch first (guestfish run, {seed.WarmupSeconds:F1} s) so the appliance is cached as on a seed server");
        }
        Console.WriteLine();
    }

    private static void PrintTable(DriverPackage package, AgentRun ours, SeedRun? seed)
    {
        var size = Mib(package.Bytes);
        string Ratio(double? seedSeconds, double? ourSeconds) =>
            seedSeconds is { } s && ourSeconds is { } o && o > 0 ? $"{s / o:F1}×" : "—";
        var oursTotal = OursTotal(ours);
        List<string[]> rows =
        [
            ["step", "ours", "seed's path", "seed/ours"],
            ["build", Seconds(ours.BuildSeconds), Seconds(seed?.BuildSeconds), Ratio(seed?.BuildSeconds, ours.BuildSeconds)],
            ["mount", Seconds(ours.MountSeconds), Seconds(seed?.MountSeconds), Ratio(seed?.MountSeconds, ours.MountSeconds)],
            [ours.BuildSeconds is null ? "  (build + mount: initialize)" : "  build + mount (initialize)", Seconds(ours.Initialize.Seconds),
                Seconds(seed?.BuildSeconds + seed?.MountSeconds), Ratio(seed?.BuildSeconds + seed?.MountSeconds, ours.Initialize.Seconds)],
            [$"upload {size}", Seconds(ours.UploadSeconds), "—", "—"],
            [$"import {size}", Seconds(ours.Import.Seconds), Seconds(seed?.CopySeconds), Ratio(seed?.CopySeconds, ours.Import.Seconds)],
            ["save", Seconds(ours.Save.Seconds), Seconds(seed?.SaveSeconds), Ratio(seed?.SaveSeconds, ours.Save.Seconds)],
            ["  import + save", Seconds(ours.Import.Seconds + ours.Save.Seconds), Seconds(seed?.CopySeconds + seed?.SaveSeconds),
                Ratio(seed?.CopySeconds + seed?.SaveSeconds, ours.Import.Seconds + ours.Save.Seconds)],
            ["total (build, mount, import, save)", Seconds(oursTotal), Seconds(SeedTotal(seed)), Ratio(SeedTotal(seed), oursTotal)],
            ["total with our upload", Seconds(oursTotal + ours.UploadSeconds), Seconds(SeedTotal(seed)), Ratio(SeedTotal(seed), oursTotal + ours.UploadSeconds)],
        ];
        GrpcBenchmark.PrintRows(rows, rightAlignedFrom: 1);

        Console.WriteLine("  build   ours: InitializeDriverDisk without its mount step (sparse raw file, mkntfs -Q, ntfs-3g fill, qemu-img convert,");
        Console.WriteLine("          hashes, overlay, publish, state.json)" + (seed is null ? "" : $"; seed: virt-make-fs {seed.MakeFsSeconds:F2} s + qemu-img create -b {seed.OverlaySeconds:F2} s"));
        Console.WriteLine($"  mount   ours: initialize's InitializeMount step (qemu-storage-daemon FUSE export + ntfs-3g), from the polled state, an upper");
        Console.WriteLine($"          bound within one poll; the save's remount (SaveMount) took {Seconds(ours.Save.Step("SaveMount"))}"
            + (seed is null ? "" : $"; seed: guestmount -a overlay -m {seed.Device} (an appliance launch) until it returns mounted"));
        Console.WriteLine("  upload  ours: FileService.UploadFile of the ISO in 1 MiB messages, size and md5 checked by the agent; the seed's upload (HTTP");
        Console.WriteLine("          to /tmp) is not part of its path here, so the first total leaves ours out too");
        Console.WriteLine($"  import  ours: ImportDriverArchive (7zz listing + test, extraction onto the disk, checks, copy into the backup folder, move into");
        Console.WriteLine($"          place): {ours.Import.Result.Files} files, {Mib((long)ours.Import.Result.SizeBytes)}, type {ours.Import.Result.ArchiveType}"
            + (seed is null ? "" : "; seed: cp of the ISO into sys/wang of the guestmount (less than the seed does: it extracts with 7za and backs up)"));
        Console.WriteLine("  save    ours: SaveDriverDisk (unmount, check, compressed delta for terminals, base copy + commit, check + hash, new overlay,");
        Console.WriteLine("          publish, switch, remount)" + (seed is null ? "" :
            $"; seed: guestunmount {seed.UnmountSeconds:F2} s + wait for guestmount to exit {seed.ExitWaitSeconds:F2} s + qemu-img commit {seed.CommitSeconds:F2} s"));
        if (seed is not null)
        {
            Console.WriteLine("          (guestmount's exit includes the appliance writing back what cp left in its cache: how the seed's time splits");
            Console.WriteLine("          between import and save changes from run to run; import + save is the stable comparison)");
        }
        var delta = ours.Manifest.Deltas.LastOrDefault();
        Console.WriteLine($"  edit    ours: overlay {Mib(ours.OverlayBytes)} before the save, delta for terminals {(delta is null ? "none" : Mib((long)delta.SizeBytes))} (compressed qcow2), base {Mib((long)ours.Manifest.Base.SizeBytes)}"
            + (seed is null ? "" : $"; seed: overlay {Mib(seed.OverlayBytes)} before the commit"));
        Console.WriteLine();
        Console.WriteLine("  ours, step by step (as GetDriverDiskState showed each command's step; seconds):");
        foreach (var (command, steps) in new[] { ("initialize", ours.Initialize.Steps), ("import", ours.Import.Steps), ("save", ours.Save.Steps) })
        {
            var text = steps.Count == 0 ? "no steps shown by the state" : string.Join(", ", steps.Select(s => $"{s.Step} {s.Seconds:F2}"));
            Console.WriteLine($"    {command,-10} {text}");
        }
        Console.WriteLine();
    }

    private void PrintGoals(DriverPackage package, AgentRun ours, SeedRun? seed)
    {
        string Result(double? value, double goal) => value is { } v ? (v < goal ? "PASS" : "MISS") : "n/a";
        string Slowest(IReadOnlyList<StepTime> steps) => steps.Count == 0 ? "" : $"; slowest step {steps.MaxBy(s => s.Seconds)!.Step} {steps.Max(s => s.Seconds):F2} s";
        var oursTotal = OursTotal(ours);
        var seedTotal = SeedTotal(seed);
        var overall = seedTotal / oursTotal;
        List<string[]> rows =
        [
            ["goal", "result", "measured"],
            [$"build < {BuildGoal:F0} s", Result(ours.BuildSeconds, BuildGoal), Seconds(ours.BuildSeconds) + Slowest([.. ours.Initialize.Steps.Where(s => s.Step != "InitializeMount")])],
            [$"mount < {MountGoal:F1} s", Result(ours.MountSeconds, MountGoal), $"{Seconds(ours.MountSeconds)} (after the save: {Seconds(ours.Save.Step("SaveMount"))})"],
            [$"import of {Mib(package.ContentBytes)} < {ImportGoal:F0} s", Result(ours.Import.Seconds, ImportGoal),
                $"{Seconds(ours.Import.Seconds)} (ImportDriverArchive; with the upload before it {Seconds(ours.Import.Seconds + ours.UploadSeconds)}){Slowest(ours.Import.Steps)}"],
            [$"save < {SaveGoal:F0} s", Result(ours.Save.Seconds, SaveGoal), Seconds(ours.Save.Seconds) + Slowest(ours.Save.Steps)],
            [$"≥ {OverallGoal:F0}× the seed's path overall", overall is { } o ? (o >= OverallGoal ? "PASS" : "MISS") : "n/a",
                overall is { } r
                    ? $"{r:F1}× ({seedTotal:F1} s / {oursTotal:F2} s; with our upload {seedTotal / (oursTotal + ours.UploadSeconds):F1}×)"
                    : "--skip-seed"],
        ];
        GrpcBenchmark.PrintRows(rows, rightAlignedFrom: int.MaxValue);
        if (!options.GoalSizes)
        {
            Console.WriteLine($"  the goals are set for 256 GiB and 200 MiB; this run used {options.SizeGibibytes} GiB and {options.PackageMebibytes} MiB");
        }
        Console.WriteLine();
    }

    private static void PrintMemory(AgentRun ours, SeedRun? seed)
    {
        List<string[]> rows = [["peak RSS", "VmHWM", "max sampled VmRSS", "processes"]];
        rows.AddRange(ours.Memory.Select(p => new[] { $"ours: {p.Name}", Kib(p.HwmKib), Kib(p.MaxRssKib), Pids(p) }));
        if (seed is not null)
        {
            rows.AddRange(seed.Memory.Select(p => new[] { $"seed: {p.Name}", Kib(p.HwmKib), Kib(p.MaxRssKib), Pids(p) }));
        }
        GrpcBenchmark.PrintRows(rows, rightAlignedFrom: 1);
        Console.WriteLine($"  agent: VmHWM (the kernel's peak) read at the end, before SIGTERM, and VmRSS sampled every 50 ms from its start of initialize;");
        Console.WriteLine("  others: every process whose arguments mention the side's directory, sampled every 100 ms (largest per program;");
        Console.WriteLine("  short-lived tools may peak between samples). The seed's appliance is qemu-system-x86_64 (TCG).");
        var daemons = string.Join(", ", ours.MountProcesses.Select(p => $"{p.Name} pid {p.Pid}"));
        Console.WriteLine($"  mount daemons at the end: {(daemons.Length == 0 ? "none found" : daemons)} (qemu-storage-daemon's pid file: {(ours.StorageDaemonPid is { } pid ? pid.ToString(CultureInfo.InvariantCulture) : "none")})");
        Console.WriteLine($"  agent pid {ours.Pid} stopped with SIGTERM in {ours.StopSeconds:F2} s: {ours.StopOutcome}");

        static string Pids(ProgramPeak p) => p.Pids.Count == 1 ? $"pid {p.Pids.Min}" : $"{p.Pids.Count} pids";
    }

    private static double OursTotal(AgentRun ours) => ours.Initialize.Seconds + ours.Import.Seconds + ours.Save.Seconds;

    private static double? SeedTotal(SeedRun? seed) => seed is null ? null : seed.BuildSeconds + seed.MountSeconds + seed.CopySeconds + seed.SaveSeconds;

    private static string Seconds(double? seconds) => seconds is { } s ? $"{s:F2} s" : "—";

    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):0.#} MiB";

    private static string Kib(long kib) => $"{kib / 1024.0:F1} MiB";

    private static void Progress(string message) => GrpcBenchmark.Progress(message);
}

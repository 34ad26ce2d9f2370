using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Platform.Benchmarks.Grpc;
using Platform.Benchmarks.Infrastructure;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Platform.Benchmarks.Agent;

/// <summary>
/// The agent's RBD and domain operations over gRPC against the same operations through the
/// rbd and virsh CLIs, and clone against full copy, on a private Ceph + libvirt environment
/// (packaging/scripts/env.sh) that the run starts and stops itself.
/// </summary>
internal sealed partial class AgentBenchmark(AgentBenchmarkOptions options)
{
    public const string Usage = """
        usage: Platform.Benchmarks agent [options]
          --repeat N          times each operation runs on each side (default 10)
          --copy-repeat N     times the full copy (rbd cp) of the 1 GiB image runs (default 3)
          --fill-mib N        MiB written into the 1 GiB image that is cloned and copied (default 1024)
          --port-base N       PLATFORM_PORT_BASE of the private environment (default 59000)
          --agent PATH        a built Platform.Agent.dll (env PLATFORM_BENCH_AGENT_DLL); default:
                              publish agent/Platform.Agent of this repository (Release)
        Starts ceph and libvirt with env.sh under a directory of /var/tmp, stops them at the end.
        Prints a table and the goals (PASS/MISS); exits 0 whatever the numbers, 1 if the run broke.
        """;

    private const double AgentGoal = 0.5;
    private const double CloneGoal = 20;
    private const double FlatGoal = 1.5;
    private const long GiB = 1L << 30;

    private static string? _stateDirectory;
    private static string? _envScript;
    private static int _portBase;

    private readonly List<Func<Task>> _cleanup = [];
    private string _cephConf = null!;
    private string _cephUser = null!;
    private string _uri = null!;
    private string _bridge = null!;
    private RbdService.RbdServiceClient? _rbd;

    public static Task<int> MainAsync(string[] args, Assembly assembly) =>
        BenchmarkMain.RunAsync(args, Usage, a => AgentBenchmarkOptions.Parse(a, assembly), options => new AgentBenchmark(options).RunAsync(), () =>
        {
            ChildProcess.Registry.StopAll();
            StopEnvironment();
        });

    public async Task RunAsync()
    {
        var clock = Stopwatch.StartNew();
        if (options.AgentDll is { } given && !File.Exists(given))
        {
            throw new FileNotFoundException($"no agent at {given}", given);
        }
        // Under /var/tmp (not a private /tmp): libvirt's qemu must reach it; 0755 as env.sh wants.
        var root = Directory.CreateDirectory(Path.Combine("/var/tmp", "platform-bench-agent-" + Guid.NewGuid().ToString("N")[..8]),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute).FullName;
        File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        _stateDirectory = root;
        _portBase = options.PortBase;
        _envScript = Path.Combine(options.RepositoryRoot, "packaging", "scripts", "env.sh");
        var failures = new List<string>();
        try
        {
            var publishing = options.AgentDll is null ? PublishAsync(Path.Combine(root, "agent-bin")) : Task.FromResult((options.AgentDll, (string?)null));
            await StartEnvironmentAsync();
            var (agentDll, warning) = await publishing;
            var work = Directory.CreateDirectory(Path.Combine(root, "agent")).FullName;
            using var agent = await AgentSide.StartAsync(GrpcBenchmark.Dotnet, agentDll, work, port => new GrpcDotnetClient(port), new Dictionary<string, string>
            {
                ["PLATFORM_Compute__LibvirtUri"] = _uri,
                ["PLATFORM_Compute__Bridge"] = _bridge,
                ["PLATFORM_Compute__SerialLogDirectory"] = work,
                ["PLATFORM_Storage__CephConf"] = _cephConf,
                ["PLATFORM_Storage__CephUser"] = _cephUser,
                ["PLATFORM_Operations__JournalPath"] = Path.Combine(work, "operations.journal"),
            });
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{agent.Port}");
            var rbd = new RbdService.RbdServiceClient(channel);
            _rbd = rbd;
            var domains = new DomainService.DomainServiceClient(channel);
            Progress($"agent pid {agent.ServerPid} on 127.0.0.1:{agent.Port}, {agentDll}");

            List<OperationResult> operations;
            CloneResults clones;
            try
            {
                operations = [.. await RbdOperationsAsync(rbd), .. await DomainOperationsAsync(domains, work)];
                clones = await ClonesAsync(rbd);
            }
            finally
            {
                failures.AddRange(await CleanUpAsync());
            }
            Console.WriteLine();
            PrintSetup(agentDll, warning);
            PrintTables(operations, clones);
        }
        finally
        {
            StopEnvironment();
        }
        foreach (var failure in failures)
        {
            Console.WriteLine($"warning: clean-up: {failure}");
        }
        Console.WriteLine();
        Console.WriteLine($"run time {clock.Elapsed.TotalSeconds:F0} s (this process, after the build; includes environment start and stop)");
    }

    private async Task<(string Dll, string? Warning)> PublishAsync(string output)
    {
        var grpc = new GrpcBenchmark(options.Grpc);
        var dll = await grpc.PublishAgentAsync(output);
        return (dll, grpc.AgentWarning);
    }

    private async Task StartEnvironmentAsync()
    {
        var began = Stopwatch.StartNew();
        Progress($"starting ceph and libvirt under {_stateDirectory} (port base {_portBase})");
        using (var start = ChildProcess.Start("env.sh start", _envScript!, ["start", "ceph", "libvirt"], EnvironmentVariables()))
        {
            await start.WaitForExitAsync();
            if (start.ExitCode != 0)
            {
                throw new InvalidOperationException($"env.sh start failed (exit {start.ExitCode}):\n{start.Output}");
            }
        }
        var ceph = ReadEnv(Path.Combine(_stateDirectory!, "ceph.env"));
        var libvirt = ReadEnv(Path.Combine(_stateDirectory!, "libvirt.env"));
        _cephConf = ceph["PLATFORM_CEPH_CONF"];
        _cephUser = ceph["PLATFORM_CEPH_USER"];
        _uri = libvirt["PLATFORM_LIBVIRT_URI"];
        _bridge = libvirt["PLATFORM_BRIDGE"];
        Progress($"environment up in {began.Elapsed.TotalSeconds:F1} s: {_uri}, bridge {_bridge}, {_cephConf}");
    }

    private static Dictionary<string, string> EnvironmentVariables() => new()
    {
        ["PLATFORM_STATE"] = _stateDirectory!,
        ["PLATFORM_PORT_BASE"] = _portBase.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>env.sh stop (the scripts stop their daemons by PID), then removes the directory. Idempotent.</summary>
    private static void StopEnvironment()
    {
        var state = Interlocked.Exchange(ref _stateDirectory, null);
        if (state is null)
        {
            return;
        }
        try
        {
            using var stop = ChildProcess.Start("env.sh stop", _envScript!, ["stop"], new Dictionary<string, string>
            {
                ["PLATFORM_STATE"] = state,
                ["PLATFORM_PORT_BASE"] = _portBase.ToString(CultureInfo.InvariantCulture),
            });
            if (!stop.WaitForExitAsync().Wait(TimeSpan.FromSeconds(90)) || stop.ExitCode != 0)
            {
                Console.Error.WriteLine($"warning: env.sh stop did not succeed; {state} is kept:\n{stop.Output}");
                return;
            }
            Directory.Delete(state, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Console.Error.WriteLine($"warning: stopping the environment under {state}: {e.Message}");
        }
    }

    private static Dictionary<string, string> ReadEnv(string path) =>
        File.ReadAllLines(path).Where(l => l.Contains('=', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]);

    // ---- 1. RBD operations ----

    private async Task<List<OperationResult>> RbdOperationsAsync(RbdService.RbdServiceClient rbd)
    {
        var parent = "bench-parent";
        await Rbd("create", "--size", "1024", $"images/{parent}");
        OnCleanUp(() => RemoveParentAsync($"images/{parent}"));
        await Rbd("snap", "create", $"images/{parent}@base");
        await Rbd("snap", "protect", $"images/{parent}@base");

        string[] names = ["create", "info", "resize", "clone", "remove"];
        var results = names.Select(n => new OperationResult($"rbd {n}")).ToList();
        for (var i = 0; i < options.Repeat; i++)
        {
            var a = $"bench-a{i}";
            var c = $"bench-c{i}";
            OnCleanUp(() => RemoveIfThereAsync($"volumes/{a}"));
            OnCleanUp(() => RemoveIfThereAsync($"volumes/{c}"));
            OnCleanUp(() => RemoveIfThereAsync($"volumes/{a}-clone"));
            OnCleanUp(() => RemoveIfThereAsync($"volumes/{c}-clone"));

            await results[0].MeasureAsync(
                async () => await rbd.CreateImageAsync(new CreateImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = a, SizeBytes = GiB }, deadline: Deadline()),
                () => Rbd("create", "--size", "1024", $"volumes/{c}"));
            await results[1].MeasureAsync(
                async () => await rbd.GetImageAsync(new GetImageRequest { Pool = "volumes", Name = a }, deadline: Deadline()),
                () => Rbd("info", $"volumes/{c}"));
            await results[2].MeasureAsync(
                async () => await rbd.ResizeImageAsync(new ResizeImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = a, SizeBytes = 2 * GiB }, deadline: Deadline()),
                () => Rbd("resize", "--no-progress", "--size", "2048", $"volumes/{c}"));
            await results[3].MeasureAsync(
                async () => await rbd.CloneImageAsync(new CloneImageRequest { OperationId = NewOperationId(), ParentPool = "images", ParentName = parent, Pool = "volumes", Name = $"{a}-clone" }, deadline: Deadline()),
                () => Rbd("clone", $"images/{parent}@base", $"volumes/{c}-clone"));
            await results[4].MeasureAsync(
                async () => await rbd.RemoveImageAsync(new RemoveImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = a }, deadline: Deadline()),
                () => Rbd("rm", "--no-progress", $"volumes/{c}"));
            // The clones go unmeasured; the agent removes its own, and at the end the parent with the snapshot it made.
            await rbd.RemoveImageAsync(new RemoveImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = $"{a}-clone" }, deadline: Deadline());
            await Rbd("rm", "--no-progress", $"volumes/{c}-clone");
        }
        Progress("rbd operations measured");
        return results;
    }

    // ---- 1. Domain operations ----

    private async Task<List<OperationResult>> DomainOperationsAsync(DomainService.DomainServiceClient domains, string work)
    {
        // One blank 16 MiB raw file imported once, cloned per domain as its boot disk: nothing to boot.
        var blank = Path.Combine(work, "blank.raw");
        using (var file = File.Create(blank))
        {
            file.SetLength(16L << 20);
        }
        await Rbd("import", "--no-progress", "--image-format", "2", blank, "images/bench-boot");
        OnCleanUp(() => RemoveParentAsync("images/bench-boot"));
        await Rbd("snap", "create", "images/bench-boot@base");
        await Rbd("snap", "protect", "images/bench-boot@base");

        string[] names = ["domain define+start", "domain attach NIC", "domain power off", "domain undefine"];
        var results = names.Select(n => new OperationResult(n)).ToList();
        string? template = null;
        string? templateName = null;
        for (var i = 0; i < options.Repeat; i++)
        {
            var id = Guid.NewGuid().ToString("N")[..8];
            var a = $"bench-da-{id}";
            var v = $"bench-dv-{id}";
            foreach (var name in new[] { a, v })
            {
                await Rbd("clone", "images/bench-boot@base", $"volumes/{name}-boot");
                OnCleanUp(() => RemoveIfThereAsync($"volumes/{name}-boot"));
                OnCleanUp(() => UndefineIfThereAsync(name));
            }

            var sw = Stopwatch.GetTimestamp();
            await domains.DefineAndStartDomainAsync(new DefineAndStartDomainRequest
            {
                OperationId = NewOperationId(),
                Name = a,
                Uuid = Guid.NewGuid().ToString(),
                Vcpus = 1,
                MemoryMib = 128,
                BootDisk = new RbdDisk { Image = $"volumes/{a}-boot", Target = "vda" },
            }, deadline: Deadline());
            var agentDefine = Stopwatch.GetTimestamp() - sw;
            if (template is null)
            {
                // virsh defines the very domain the agent defined: its XML, renamed, without the uuid.
                template = UuidElement().Replace(await Virsh("dumpxml", "--inactive", a), "");
                templateName = a;
            }
            var xmlFile = Path.Combine(work, $"{v}.xml");
            await File.WriteAllTextAsync(xmlFile, template.Replace(templateName!, v, StringComparison.Ordinal));
            sw = Stopwatch.GetTimestamp();
            await Virsh("define", xmlFile);
            await Virsh("start", v);
            results[0].Add(agentDefine, Stopwatch.GetTimestamp() - sw);

            await results[1].MeasureAsync(
                async () => await domains.AttachNicAsync(new AttachNicRequest { OperationId = NewOperationId(), Domain = a, Nic = new Nic { Mac = NewMac(), Bridge = _bridge } }, deadline: Deadline()),
                () => Virsh("attach-interface", v, "--type", "bridge", "--source", _bridge, "--mac", NewMac(), "--live"));
            await results[2].MeasureAsync(
                async () => await domains.PowerOffDomainAsync(new PowerOffDomainRequest { OperationId = NewOperationId(), Name = a }, deadline: Deadline()),
                () => Virsh("destroy", v));
            await results[3].MeasureAsync(
                async () => await domains.UndefineDomainAsync(new UndefineDomainRequest { OperationId = NewOperationId(), Name = a }, deadline: Deadline()),
                () => Virsh("undefine", v));
        }
        Progress("domain operations measured");
        return results;
    }

    // ---- 2. Clone against full copy ----

    private async Task<CloneResults> ClonesAsync(RbdService.RbdServiceClient rbd)
    {
        async Task<string> SourceAsync(string name, int gibibytes, int writtenMib)
        {
            await Rbd("create", "--size", (gibibytes * 1024).ToString(CultureInfo.InvariantCulture), $"images/{name}");
            OnCleanUp(() => RemoveParentAsync($"images/{name}"));
            await Rbd("bench", "--io-type", "write", "--io-size", "4M", "--io-threads", "16", "--io-pattern", "seq",
                "--io-total", $"{writtenMib}M", $"images/{name}");
            return name;
        }

        async Task<OperationResult> CloneAsync(string source, string label)
        {
            var result = new OperationResult(label);
            for (var i = 0; i < options.Repeat; i++)
            {
                var clone = $"{source}-clone{i}";
                OnCleanUp(() => RemoveIfThereAsync($"volumes/{clone}"));
                result.AddAgent(await TimeAsync(async () => await rbd.CloneImageAsync(new CloneImageRequest
                {
                    OperationId = NewOperationId(), ParentPool = "images", ParentName = source, Pool = "volumes", Name = clone,
                }, deadline: Deadline())));
                await rbd.RemoveImageAsync(new RemoveImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = clone }, deadline: Deadline());
            }
            return result;
        }

        var began = Stopwatch.StartNew();
        var full = await SourceAsync("bench-src-full", 1, options.FillMebibytes);
        var sparse = new List<(int GiB, string Name)>();
        foreach (var size in new[] { 1, 4, 16 })
        {
            sparse.Add((size, await SourceAsync($"bench-src-{size}g", size, 64)));
        }
        Progress($"clone sources written in {began.Elapsed.TotalSeconds:F1} s");

        var fullClone = await CloneAsync(full, "clone (agent)");
        var copy = new OperationResult("full copy (rbd cp)");
        for (var i = 0; i < options.CopyRepeat; i++)
        {
            var target = $"volumes/{full}-copy{i}";
            OnCleanUp(() => RemoveIfThereAsync(target));
            copy.AddCli(await TimeAsync(() => Rbd("cp", "--no-progress", $"images/{full}", target)));
            await Rbd("rm", "--no-progress", target);
        }
        var bySize = new List<(int GiB, OperationResult Clone)>();
        foreach (var (size, name) in sparse)
        {
            bySize.Add((size, await CloneAsync(name, $"clone {size} GiB")));
        }
        Progress("clones measured");
        return new CloneResults(fullClone, copy, bySize);
    }

    // ---- Output ----

    private void PrintSetup(string agentDll, string? warning)
    {
        Console.WriteLine("Agent benchmark: agent gRPC operations vs the rbd/virsh CLIs, and clone vs full copy, same run");
        Console.WriteLine($"  machine  {Environment.ProcessorCount} CPUs, {RuntimeInformation.OSDescription}");
        Console.WriteLine($"  agent    {agentDll}; one GrpcChannel to it, typed RbdService/DomainService clients, a fresh operation id per mutation");
        if (warning is not null)
        {
            Console.WriteLine($"           WARNING: {warning}");
        }
        Console.WriteLine($"  env      private ceph + libvirt (env.sh, port base {_portBase}); {_uri}; bridge {_bridge}");
        Console.WriteLine($"  CLI      rbd --conf CONF --id {_cephUser} ...; virsh -c URI ...; each a new process, timed from spawn to exit");
        Console.WriteLine($"  repeat   {options.Repeat}× each operation per side, agent then CLI in turn; full copy {options.CopyRepeat}×");
        Console.WriteLine();
    }

    private void PrintTables(List<OperationResult> operations, CloneResults clones)
    {
        List<string[]> rows = [["operation", "agent median", "agent p90", "CLI median", "CLI p90", "agent/CLI", "goal ≤ 0.50×"]];
        foreach (var o in operations)
        {
            var ratio = o.AgentMedian / o.CliMedian;
            rows.Add([o.Name, Ms(o.AgentMedian), Ms(o.AgentP90), Ms(o.CliMedian), Ms(o.CliP90), Ratio(ratio), ratio <= AgentGoal ? "PASS" : "MISS"]);
        }
        GrpcBenchmark.PrintRows(rows, rightAlignedFrom: 1);
        Console.WriteLine("  rbd: pools images/volumes, 1 GiB images resized to 2 GiB; clone: agent CloneImage (its first clone of the parent");
        Console.WriteLine("       creates and protects the parent's one clone snapshot, which later clones reuse; the first run is in the samples)");
        Console.WriteLine("       vs rbd clone of a protected snapshot (made beforehand, unmeasured); domain: 1 vCPU, 128 MiB, type auto (probed), blank 16 MiB RBD boot disk (clone),");
        Console.WriteLine("       virsh defines the agent's own domain XML; define+start = virsh define + virsh start; power off = virsh destroy");
        Console.WriteLine();

        var copyRatio = clones.Copy.CliMedian / clones.FullClone.AgentMedian;
        rows =
        [
            ["1 GiB image → volume", "median", "p90", "runs"],
            [$"clone (agent), {options.FillMebibytes} MiB written", Ms(clones.FullClone.AgentMedian), Ms(clones.FullClone.AgentP90), clones.FullClone.AgentCount],
            [$"full copy (rbd cp), {options.FillMebibytes} MiB written", Ms(clones.Copy.CliMedian), Ms(clones.Copy.CliP90), clones.Copy.CliCount],
        ];
        GrpcBenchmark.PrintRows(rows, rightAlignedFrom: 1);
        Console.WriteLine();
        var baseClone = clones.BySize[0].Clone.AgentMedian;
        rows = [["clone (agent), 64 MiB written", "median", "p90", "vs 1 GiB"]];
        foreach (var (size, clone) in clones.BySize)
        {
            rows.Add([$"{size} GiB sparse image", Ms(clone.AgentMedian), Ms(clone.AgentP90), Ratio(clone.AgentMedian / baseClone)]);
        }
        GrpcBenchmark.PrintRows(rows, rightAlignedFrom: 1);
        Console.WriteLine();

        var largest = clones.BySize[^1];
        var growth = largest.Clone.AgentMedian / baseClone;
        var passes = operations.Count(o => o.AgentMedian / o.CliMedian <= AgentGoal);
        rows =
        [
            ["goal", "result", "measured"],
            ["agent ≤ 0.5× the CLI's time (median)", passes == operations.Count ? "PASS" : "MISS", $"{passes} of {operations.Count} operations"],
            ["clone ≥ 20× faster than copy at 1 GiB", copyRatio >= CloneGoal ? "PASS" : "MISS",
                $"copy/clone = {Ratio(copyRatio)} ({Ms(clones.Copy.CliMedian)} vs {Ms(clones.FullClone.AgentMedian)})"],
            ["clone flat as the image grows", growth <= FlatGoal ? "PASS" : "MISS",
                $"{largest.GiB} GiB / 1 GiB clone = {Ratio(growth)} (flat: ≤ {FlatGoal:F1}×)"],
        ];
        GrpcBenchmark.PrintRows(rows, rightAlignedFrom: int.MaxValue);
    }

    // ---- Helpers ----

    private void OnCleanUp(Func<Task> step) => _cleanup.Add(step);

    private async Task<List<string>> CleanUpAsync()
    {
        var failures = new List<string>();
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            try
            {
                await _cleanup[i]();
            }
            catch (Exception e) when (e is InvalidOperationException or RpcException)
            {
                failures.Add(e.Message.Split('\n')[0]);
            }
        }
        _cleanup.Clear();
        // What is left of this run, per the CLIs (the environment goes away anyway; this checks the bookkeeping).
        var left = new List<string>();
        foreach (var pool in new[] { "images", "volumes" })
        {
            var (_, names) = await RunAsync("rbd", ["--conf", _cephConf, "--id", _cephUser, "ls", pool]);
            left.AddRange(names.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(n => n.StartsWith("bench-", StringComparison.Ordinal)).Select(n => $"{pool}/{n}"));
        }
        var (_, domainNames) = await RunAsync("virsh", ["-c", _uri, "list", "--all", "--name"]);
        left.AddRange(domainNames.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(n => n.StartsWith("bench-", StringComparison.Ordinal)).Select(n => $"domain {n}"));
        if (left.Count > 0)
        {
            failures.Add($"left behind: {string.Join(", ", left)}");
        }
        Progress(left.Count == 0 ? "cleaned up: no bench- image or domain left" : $"left behind: {string.Join(", ", left)}");
        return failures;
    }

    private async Task RemoveIfThereAsync(string image)
    {
        var (code, output) = await RunAsync("rbd", ["--conf", _cephConf, "--id", _cephUser, "rm", "--no-progress", image]);
        if (code != 0 && !output.Contains("No such file", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"rbd rm {image}: exit {code}: {output.Trim()}");
        }
    }

    /// <summary>
    /// A parent image: its "base" snapshot through the CLI, then the image through the agent, which
    /// also removes the (protected) snapshots it made on it for its clones.
    /// </summary>
    private async Task RemoveParentAsync(string image)
    {
        // Unprotect and rm fail when there is no "base" (the clone sources): nothing to do then.
        _ = await RunAsync("rbd", ["--conf", _cephConf, "--id", _cephUser, "snap", "unprotect", image + "@base"]);
        _ = await RunAsync("rbd", ["--conf", _cephConf, "--id", _cephUser, "snap", "rm", "--no-progress", image + "@base"]);
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        await _rbd!.RemoveImageAsync(new RemoveImageRequest { OperationId = NewOperationId(), Pool = image[..slash], Name = image[(slash + 1)..] }, deadline: Deadline());
    }

    private async Task UndefineIfThereAsync(string name)
    {
        var (code, _) = await RunAsync("virsh", ["-c", _uri, "dominfo", name]);
        if (code == 0)
        {
            _ = await RunAsync("virsh", ["-c", _uri, "destroy", name]);
            await Virsh("undefine", name);
        }
    }

    private Task<string> Rbd(params string[] arguments) => Checked("rbd", ["--conf", _cephConf, "--id", _cephUser, .. arguments]);

    private Task<string> Virsh(params string[] arguments) => Checked("virsh", ["-c", _uri, .. arguments]);

    private static async Task<string> Checked(string file, string[] arguments)
    {
        var (code, output) = await RunAsync(file, arguments);
        return code == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: exit {code}\n{output}");
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] arguments)
    {
        using var process = ChildProcess.Start(file, file, arguments);
        await process.WaitForExitAsync();
        return (process.ExitCode, process.Output);
    }

    private static async Task<long> TimeAsync(Func<Task> action)
    {
        var start = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetTimestamp() - start;
    }

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(120);

    private static string NewOperationId() => "op-" + Guid.NewGuid().ToString("N");

    private static string NewMac()
    {
        var tail = Guid.NewGuid().ToByteArray();
        return $"52:54:00:{tail[0]:x2}:{tail[1]:x2}:{tail[2]:x2}";
    }

    private static void Progress(string message) => GrpcBenchmark.Progress(message);

    private static string Ms(double ticks) => $"{ticks * 1000.0 / Stopwatch.Frequency:F1} ms";

    private static string Ratio(double value) => $"{value:F2}×";

    [GeneratedRegex(@"\s*<uuid>[^<]*</uuid>")]
    private static partial Regex UuidElement();

    private sealed record CloneResults(OperationResult FullClone, OperationResult Copy, List<(int GiB, OperationResult Clone)> BySize);

    /// <summary>Durations (Stopwatch ticks) of one operation on each side.</summary>
    private sealed class OperationResult(string name)
    {
        private readonly List<long> _agent = [];
        private readonly List<long> _cli = [];

        public string Name { get; } = name;

        public string AgentCount => _agent.Count.ToString(CultureInfo.InvariantCulture);

        public string CliCount => _cli.Count.ToString(CultureInfo.InvariantCulture);

        public double AgentMedian => Percentile(_agent, 0.5);

        public double AgentP90 => Percentile(_agent, 0.9);

        public double CliMedian => Percentile(_cli, 0.5);

        public double CliP90 => Percentile(_cli, 0.9);

        public void AddAgent(long ticks) => _agent.Add(ticks);

        public void AddCli(long ticks) => _cli.Add(ticks);

        public void Add(long agent, long cli)
        {
            _agent.Add(agent);
            _cli.Add(cli);
        }

        public async Task MeasureAsync(Func<Task> agent, Func<Task> cli)
        {
            _agent.Add(await TimeAsync(agent));
            _cli.Add(await TimeAsync(cli));
        }

        private static double Percentile(List<long> samples, double fraction)
        {
            var sorted = samples.ToArray();
            Array.Sort(sorted);
            return Percentiles.NearestRank(sorted, fraction);
        }
    }
}

internal sealed record AgentBenchmarkOptions
{
    public int Repeat { get; init; } = 10;
    public int CopyRepeat { get; init; } = 3;
    public int FillMebibytes { get; init; } = 1024;
    public int PortBase { get; init; } = 59000;
    public string? AgentDll { get; init; }
    public required string RepositoryRoot { get; init; }

    /// <summary>The grpc benchmark's options, for its agent publishing.</summary>
    public required GrpcBenchmarkOptions Grpc { get; init; }

    public static AgentBenchmarkOptions Parse(string[] args, Assembly assembly)
    {
        var grpc = GrpcBenchmarkOptions.Parse([], assembly);
        var options = new AgentBenchmarkOptions { AgentDll = grpc.AgentDll, RepositoryRoot = grpc.RepositoryRoot, Grpc = grpc };
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--repeat" => options with { Repeat = Int() },
                "--copy-repeat" => options with { CopyRepeat = Int() },
                "--fill-mib" => options with { FillMebibytes = Int() },
                "--port-base" => options with { PortBase = Int() },
                "--agent" => options with { AgentDll = Path.GetFullPath(Value()) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (options.Repeat < 1 || options.CopyRepeat < 1 || options.FillMebibytes is < 1 or > 1024 || options.PortBase < 1024)
        {
            throw new ArgumentException("--repeat and --copy-repeat must be positive, --fill-mib 1..1024, --port-base ≥ 1024");
        }
        return options;
    }
}

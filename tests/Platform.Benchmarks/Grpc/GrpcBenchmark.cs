using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Platform.Benchmarks.Infrastructure;

namespace Platform.Benchmarks.Grpc;

/// <summary>
/// grpc-dotnet (the agent as it ships, called as the controller calls it) against python grpcio
/// (C-core) in one run, everything on 127.0.0.1: unary GetAgentInfo round trips at several
/// concurrencies, and one large streamed UploadFile. Sides take turns per scenario so that both
/// see the same machine.
/// </summary>
internal sealed class GrpcBenchmark(GrpcBenchmarkOptions options)
{
    public const string Usage = """
        usage: Platform.Benchmarks grpc [options]
          --warmup SECONDS        before each unary measurement (default 2)
          --duration SECONDS      of each unary measurement (default 5)
          --concurrency LIST      concurrent in-flight calls, e.g. 1,16,64 (default)
          --upload-mib N          size of the streamed upload (default 1024)
          --chunk-kib N           size of each upload message's data (default 1024)
          --upload-warmup-mib N   upload this much first, unmeasured (default 1024:
                                  the JIT's tiering goes on for seconds of streaming)
          --agent PATH            a built Platform.Agent.dll to serve our side (env
                                  PLATFORM_BENCH_AGENT_DLL); default: publish agent/Platform.Agent
                                  of this repository (Release) into the run's temporary directory
          --quiet-wait SECONDS    before each measurement, wait up to this long for other work on
                                  the machine to fall under 15% of the CPUs (default 5; 0: don't)
          --only unary|upload     run one kind of scenario
          --python PATH           interpreter with python3-grpcio (default /usr/bin/python3;
                                  env PLATFORM_BENCH_PYTHON)
        Prints a table and the goals (PASS/MISS); exits 0 whatever the numbers, 1 if the run broke.
        """;

    private const double P50Goal = 1.0;
    private const double ThroughputGoal = 2.0;
    private const double UploadGoalMegabytesPerSecond = 500;

    private static string? _temporaryRoot;
    private static double _md5MegabytesPerSecond;
    private string? _agentWarning;

    /// <summary>Set when <see cref="PublishAgentAsync"/> fell back to the agent's last build.</summary>
    internal string? AgentWarning => _agentWarning;

    /// <summary>Removes this run's temporary directory (agent config and transfer area, generated modules, uploads).</summary>
    public static void RemoveTemporaryFiles()
    {
        var root = Interlocked.Exchange(ref _temporaryRoot, null);
        if (root is not null && Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    public async Task RunAsync()
    {
        var clock = Stopwatch.StartNew();
        if (options.AgentDll is { } given && !File.Exists(given))
        {
            throw new FileNotFoundException($"no agent at {given}", given);
        }
        if (!File.Exists(options.Python))
        {
            throw new FileNotFoundException($"no {options.Python}: python3-grpcio's interpreter is needed for the baseline (--python)", options.Python);
        }
        _temporaryRoot = Directory.CreateTempSubdirectory("platform-bench-grpc-").FullName;
        try
        {
            var agentDll = options.AgentDll ?? await PublishAgentAsync(Path.Combine(_temporaryRoot, "agent-bin"));
            var sides = new List<IGrpcSide>();
            try
            {
                var dotnet = await AgentSide.StartAsync(Dotnet, agentDll, Directory.CreateDirectory(Path.Combine(_temporaryRoot, "agent")).FullName,
                    port => new GrpcDotnetClient(port));
                sides.Add(dotnet);
                sides.Add(await GrpcioSide.StartAsync(options.Python, options.PythonScript, options.ProtoRoot,
                    Directory.CreateDirectory(Path.Combine(_temporaryRoot, "grpcio")).FullName, dotnet.Info!));
                PrintSetup(sides, agentDll);
                var processes = sides.SelectMany(side => new[]
                {
                    KeyValuePair.Create($"{side.Name} client", side.ClientCpu),
                    KeyValuePair.Create($"{side.Name} server", side.ServerCpu),
                }).ToDictionary();

                var unary = new List<(int Concurrency, Dictionary<string, UnaryResult> Results)>();
                foreach (var concurrency in options.Only is null or "unary" ? options.Concurrency : [])
                {
                    var results = new Dictionary<string, UnaryResult>();
                    foreach (var side in sides)
                    {
                        await WaitForQuietAsync($"unary c={concurrency} {side.Name}", processes);
                        var result = await side.RunUnaryAsync(concurrency, options.Warmup, options.Duration, new CpuWindow(processes));
                        Progress($"unary c={concurrency}: {side.Name} {result.CallsPerSecond:N0} calls/s p50 {result.P50Micros:N0} µs");
                        results[side.Name] = result;
                    }
                    unary.Add((concurrency, results));
                }

                var upload = options.Only is null or "upload"
                    ? await UploadAllAsync(sides, _temporaryRoot, processes)
                    : null;
                Console.WriteLine();
                PrintTable(sides, unary, upload);
                PrintGoals(unary, upload);
            }
            finally
            {
                foreach (var side in sides)
                {
                    ((IDisposable)side).Dispose();
                }
            }
        }
        finally
        {
            RemoveTemporaryFiles();
        }
        Console.WriteLine();
        Console.WriteLine($"run time {clock.Elapsed.TotalSeconds:F0} s (this process, after the build)");
    }

    /// <summary>The sides' names, as the table prints them.</summary>
    internal const string Dotnet = "grpc-dotnet", Grpcio = "grpcio";

    private async Task<Dictionary<string, UploadResult>> UploadAllAsync(IReadOnlyList<IGrpcSide> sides, string root,
        Dictionary<string, Func<TimeSpan>> processes)
    {
        var chunkSize = options.ChunkKibibytes * 1024;
        var chunks = (int)((long)options.UploadMebibytes * 1024 * 1024 / chunkSize);
        var chunk = new byte[chunkSize];
        new Random(20240611).NextBytes(chunk);
        var chunkFile = Path.Combine(root, "chunk.bin");
        await File.WriteAllBytesAsync(chunkFile, chunk);
        string expectedMd5;
        var hashing = Stopwatch.StartNew();
        using (var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
        {
            for (var i = 0; i < chunks; i++)
            {
                md5.AppendData(chunk);
            }
            expectedMd5 = Convert.ToHexStringLower(md5.GetHashAndReset());
        }
        // The agent hashes what it receives on one thread: no upload through it can be faster.
        _md5MegabytesPerSecond = (double)chunkSize * chunks / 1e6 / hashing.Elapsed.TotalSeconds;
        var warmupChunks = (int)Math.Min(chunks, Math.Max(1, (long)options.UploadWarmupMebibytes * 1024 * 1024 / chunkSize));

        async Task<UploadResult> OneSideAsync(IGrpcSide side)
        {
            // A smaller upload first: JIT, connection windows, file system.
            var warm = await side.UploadAsync("bench-warmup.bin", chunkFile, chunk, warmupChunks);
            side.DeleteUploaded("bench-warmup.bin");
            _ = warm;
            await WaitForQuietAsync($"upload {side.Name}", processes);
            Progress($"upload {side.Name}: {Size((long)chunkSize * chunks)} starting");
            var cpu = new CpuWindow(processes);
            cpu.Begin();
            var result = await side.UploadAsync("bench-upload.bin", chunkFile, chunk, chunks);
            cpu.End();
            result = result with { Others = cpu.Others };
            side.DeleteUploaded("bench-upload.bin");
            if (result.Bytes != (long)chunkSize * chunks || result.Md5 != expectedMd5)
            {
                throw new InvalidOperationException($"{side.Name}: upload came back as {result.Bytes} bytes md5 {result.Md5}, sent {(long)chunkSize * chunks} bytes md5 {expectedMd5}");
            }
            Progress($"upload {Size(result.Bytes)}: {side.Name} {result.MegabytesPerSecond:N0} MB/s");
            return result;
        }

        var results = new Dictionary<string, UploadResult>();
        foreach (var side in sides)
        {
            results[side.Name] = await OneSideAsync(side);
        }
        return results;
    }

    /// <summary>
    /// Waits (up to --quiet-wait) until the machine has been under 15% busy for a quarter
    /// second: other work on a 2-CPU box moves every number. Says so when it waited.
    /// </summary>
    private async Task WaitForQuietAsync(string what, Dictionary<string, Func<TimeSpan>> processes)
    {
        var waited = Stopwatch.StartNew();
        double others = 0;
        while (waited.Elapsed < options.QuietWait)
        {
            // Our own processes are idle between measurements, but count only the others anyway.
            var window = new CpuWindow(processes);
            window.Begin();
            await Task.Delay(250);
            window.End();
            others = window.Others;
            if (others < 0.15)
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(1))
                {
                    Progress($"{what}: waited {waited.Elapsed.TotalSeconds:F1} s for other work on the machine to calm down");
                }
                return;
            }
        }
        if (options.QuietWait > TimeSpan.Zero)
        {
            Progress($"{what}: other work still keeps {Percent(others)} of the CPUs busy after {options.QuietWait.TotalSeconds:F0} s; measuring anyway");
        }
    }

    /// <summary>
    /// dotnet publish of the agent project (Release) into <paramref name="output"/>; returns its
    /// dll. When the agent does not build right now (someone's work in progress), the last
    /// Release build in its bin directory is used instead, and the output says so.
    /// </summary>
    internal async Task<string> PublishAgentAsync(string output)
    {
        var project = Path.Combine(options.RepositoryRoot, "agent", "Platform.Agent", "Platform.Agent.csproj");
        var began = Stopwatch.StartNew();
        using var publish = ChildProcess.Start("dotnet publish", "dotnet",
            ["publish", project, "-c", "Release", "-o", output, "-nologo", "-v", "quiet", "-clp:ErrorsOnly"]);
        await publish.WaitForExitAsync();
        if (publish.ExitCode == 0)
        {
            Progress($"published the agent in {began.Elapsed.TotalSeconds:F1} s");
            return Path.Combine(output, "Platform.Agent.dll");
        }
        var lastBuild = Path.Combine(options.RepositoryRoot, "agent", "Platform.Agent", "bin", "Release", "net10.0", "Platform.Agent.dll");
        if (!File.Exists(lastBuild))
        {
            throw new InvalidOperationException($"dotnet publish {project} failed (exit {publish.ExitCode}); pass --agent to use a built agent:\n{publish.Output}");
        }
        _agentWarning = $"the agent does not build now (dotnet publish exit {publish.ExitCode}); using its last build, {lastBuild} of {File.GetLastWriteTime(lastBuild):yyyy-MM-dd HH:mm}";
        Progress($"{_agentWarning}:\n{publish.Output.Trim()}");
        return lastBuild;
    }

    private void PrintSetup(IReadOnlyList<IGrpcSide> sides, string agentDll)
    {
        Console.WriteLine($"gRPC benchmark: {string.Join(" vs ", sides.Select(s => s.Name))}, same run, all on 127.0.0.1");
        Console.WriteLine($"  machine      {Environment.ProcessorCount} CPUs, {RuntimeInformation.OSDescription}");
        foreach (var side in sides)
        {
            switch (side)
            {
                case AgentSide agent:
                    Console.WriteLine($"  {agent.Name,-12} client: this process ({RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC), "
                        + "PlatformChannel + call-log interceptor, typed HostService/FileService clients");
                    Console.WriteLine($"  {"",-12} server: the agent process, {agentDll} (pid {agent.ServerPid}, {GcOf(agentDll)} GC), h2c 127.0.0.1:{agent.Port}, "
                        + $"{AgentSide.CallLogCategory} at Warning");
                    if (_agentWarning is not null)
                    {
                        Console.WriteLine($"  {"",-12} WARNING: {_agentWarning}");
                    }
                    break;
                case GrpcioSide grpcio:
                    Console.WriteLine($"  {grpcio.Name,-12} {grpcio.Versions}; grpc.aio client process (one channel) and grpc.aio server process, 127.0.0.1:{grpcio.Port}");
                    break;
            }
        }
        Console.WriteLine($"  unary        GetAgentInfo (same AgentInfo bytes on every server); concurrency c = c calls in flight at once from one client");
        Console.WriteLine($"               process over one channel (tasks: .NET Task.Run / asyncio tasks); {options.Warmup.TotalSeconds:0.#} s warm-up, "
            + $"then {options.Duration.TotalSeconds:0.#} s measured");
        Console.WriteLine($"  upload       UploadFile, {Size((long)options.UploadMebibytes * 1024 * 1024)} in {options.ChunkKibibytes} KiB data messages after the header "
            + $"({options.UploadWarmupMebibytes} MiB warm-up first); every server writes a file and computes its md5, no fsync; clients compute no md5");
        Console.WriteLine();
    }

    private static string GcOf(string dll)
    {
        var config = Path.ChangeExtension(dll, ".runtimeconfig.json");
        if (!File.Exists(config))
        {
            return "default";
        }
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(config));
        return json.RootElement.TryGetProperty("runtimeOptions", out var runtime)
            && runtime.TryGetProperty("configProperties", out var properties)
            && properties.TryGetProperty("System.GC.Server", out var server) && server.GetBoolean()
            ? "server" : "workstation";
    }

    private static void PrintTable(IReadOnlyList<IGrpcSide> sides, List<(int Concurrency, Dictionary<string, UnaryResult> Results)> unary,
        Dictionary<string, UploadResult>? upload)
    {
        var names = sides.Select(s => s.Name).ToList();
        var others = names.Where(n => n != Dotnet).ToList();
        List<string[]> rows;
        if (unary.Count > 0)
        {
            rows = [["scenario", .. names.SelectMany(n => new[] { $"{n} p50", $"{n} p99", $"{n} calls/s" }), .. others.Select(o => $"vs {o}")]];
            foreach (var (concurrency, results) in unary)
            {
                rows.Add([$"unary c={concurrency}",
                    .. names.SelectMany(n => new[] { Micros(results[n].P50Micros), Micros(results[n].P99Micros), Number(results[n].CallsPerSecond) }),
                    .. others.Select(o => Ratio(results[Dotnet].CallsPerSecond / results[o].CallsPerSecond))]);
            }
            PrintRows(rows, rightAlignedFrom: 1);
            Console.WriteLine($"  vs X = {Dotnet} calls/s ÷ X's; latencies are per call, measured by each client; µs = microseconds");
            Console.WriteLine();
        }

        if (upload is not null)
        {
            rows = [["upload", .. names.Select(n => $"{n} MB/s"), .. others.Select(o => $"vs {o}"), .. names.Select(n => $"{n} s"),
                .. names.Select(n => $"{n} CPU client/server"), "others"]];
            rows.Add([$"{Size(upload[Dotnet].Bytes)} stream",
                .. names.Select(n => Number(upload[n].MegabytesPerSecond)),
                .. others.Select(o => Ratio(upload[Dotnet].MegabytesPerSecond / upload[o].MegabytesPerSecond)),
                .. names.Select(n => $"{upload[n].Seconds:F2}"),
                .. names.Select(n => $"{upload[n].ClientCpu.TotalSeconds:F2} s / {upload[n].ServerCpu.TotalSeconds:F2} s"),
                string.Join(" / ", names.Select(n => Percent(upload[n].Others)))]);
            PrintRows(rows, rightAlignedFrom: 1);
            Console.WriteLine("  MB = 10^6 bytes; time from the call's start to its response; CPU = user+system of each process during the upload;");
            Console.WriteLine($"  vs X = {Dotnet} MB/s ÷ X's; others = share of the CPUs used by processes outside this run (per side, in column order)");
            Console.WriteLine($"  ceiling: MD5 alone (IncrementalHash, one thread, this process) runs at {Number(_md5MegabytesPerSecond)} MB/s here; every server hashes every byte");
            Console.WriteLine();
        }

        if (unary.Count > 0)
        {
            rows = [["CPU per call", .. names.SelectMany(n => new[] { $"{n} client", $"{n} server", $"{n} busy", "others", "conns" })]];
            foreach (var (concurrency, results) in unary)
            {
                rows.Add([$"unary c={concurrency}", .. names.SelectMany(n => new[]
                {
                    $"{results[n].CpuMicrosPerCall("client"):F1} µs", $"{results[n].CpuMicrosPerCall("server"):F1} µs",
                    Percent(results[n].Cpu.MachineBusy), Percent(results[n].Cpu.Others), results[n].Connections.ToString(CultureInfo.InvariantCulture),
                })]);
            }
            PrintRows(rows, rightAlignedFrom: 1);
            Console.WriteLine($"  user+system CPU of each process in the measured window ÷ calls; busy = share of all {Environment.ProcessorCount} CPUs in use;");
            Console.WriteLine("  others = share used by processes outside this run (a busy box skews every number); conns = TCP connections to the server");
        }
    }

    private static void PrintGoals(List<(int Concurrency, Dictionary<string, UnaryResult> Results)> unary, Dictionary<string, UploadResult>? upload)
    {
        Console.WriteLine();
        List<string[]> rows = [["goal", "scenario", "result", "measured"]];
        foreach (var (concurrency, results) in unary)
        {
            var (ours, grpcio) = (results[Dotnet], results[Grpcio]);
            var ratio = ours.P50Micros / grpcio.P50Micros;
            rows.Add([$"{Dotnet} p50 ≤ grpcio's", $"unary c={concurrency}", ratio <= P50Goal ? "PASS" : "MISS",
                $"{Dotnet}/grpcio p50 = {Ratio(ratio)} ({Micros(ours.P50Micros)} vs {Micros(grpcio.P50Micros)})"]);
        }
        foreach (var (concurrency, results) in unary)
        {
            var (ours, grpcio) = (results[Dotnet], results[Grpcio]);
            var ratio = ours.CallsPerSecond / grpcio.CallsPerSecond;
            rows.Add([$"{Dotnet} calls/s ≥ 2× grpcio's", $"unary c={concurrency}", ratio >= ThroughputGoal ? "PASS" : "MISS",
                $"{Dotnet}/grpcio calls/s = {Ratio(ratio)} ({Number(ours.CallsPerSecond)} vs {Number(grpcio.CallsPerSecond)})"]);
        }
        var others = unary.SelectMany(u => u.Results.Values.Select(r => r.Cpu.Others)).ToList();
        if (upload is not null)
        {
            var (ours, grpcio) = (upload[Dotnet], upload[Grpcio]);
            rows.Add([$"upload ≥ 500 MB/s", $"{Size(ours.Bytes)} stream", ours.MegabytesPerSecond >= UploadGoalMegabytesPerSecond ? "PASS" : "MISS",
                $"{Number(ours.MegabytesPerSecond)} MB/s = {Ratio(ours.MegabytesPerSecond / UploadGoalMegabytesPerSecond)} the goal "
                + $"(grpcio {Number(grpcio.MegabytesPerSecond)} MB/s; {Dotnet}/grpcio = {Ratio(ours.MegabytesPerSecond / grpcio.MegabytesPerSecond)})"]);
            others.AddRange(upload.Values.Select(u => u.Others));
        }
        PrintRows(rows, rightAlignedFrom: int.MaxValue);
        if (others.Count > 0 && others.Max() > 0.10)
        {
            Console.WriteLine();
            Console.WriteLine($"warning: processes outside this run used up to {Percent(others.Max())} of the CPUs during a measurement; those numbers are skewed");
        }
    }

    internal static void PrintRows(List<string[]> rows, int rightAlignedFrom)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        for (var r = 0; r < rows.Count; r++)
        {
            var line = new StringBuilder();
            for (var i = 0; i < widths.Length; i++)
            {
                if (i > 0)
                {
                    line.Append(" | ");
                }
                line.Append(i >= rightAlignedFrom ? rows[r][i].PadLeft(widths[i]) : rows[r][i].PadRight(widths[i]));
            }
            Console.WriteLine(line.ToString().TrimEnd());
            if (r == 0)
            {
                Console.WriteLine(string.Join("-|-", widths.Select(w => new string('-', w))));
            }
        }
    }

    internal static void Progress(string message) =>
        Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} bench: {message}");

    private static string Micros(double micros) => micros >= 1000
        ? $"{micros / 1000:F2} ms"
        : $"{micros:F0} µs";

    private static string Number(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ratio(double value) => $"{value:F2}×";

    private static string Percent(double value) => $"{value * 100:F0}%";

    private static string Size(long bytes) => bytes >= 1L << 30 && bytes % (1L << 30) == 0
        ? $"{bytes >> 30} GiB"
        : $"{bytes / (1024.0 * 1024):0.#} MiB";
}

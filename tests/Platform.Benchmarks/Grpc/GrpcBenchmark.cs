using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Platform.Benchmarks.Infrastructure;

namespace Platform.Benchmarks.Grpc;

/// <summary>
/// Platform.Grpc against python grpcio (C-core) in one run, everything on 127.0.0.1:
/// unary GetAgentInfo round trips at several concurrencies, and one large streamed UploadFile.
/// Sides take turns (ours, then grpcio, per scenario) so that both see the same machine.
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
            using var ours = await OursSide.StartAsync(agentDll, Directory.CreateDirectory(Path.Combine(_temporaryRoot, "agent")).FullName);
            using var grpcio = await GrpcioSide.StartAsync(options.Python, options.PythonScript, options.ProtoRoot,
                Directory.CreateDirectory(Path.Combine(_temporaryRoot, "grpcio")).FullName, ours.Info!);
            PrintSetup(ours, grpcio, agentDll);
            var processes = new Dictionary<string, Func<TimeSpan>>
            {
                ["ours client"] = ours.ClientCpu,
                ["ours server"] = ours.ServerCpu,
                ["grpcio client"] = grpcio.ClientCpu,
                ["grpcio server"] = grpcio.ServerCpu,
            };

            var unary = new List<(int Concurrency, UnaryResult Ours, UnaryResult Grpcio)>();
            foreach (var concurrency in options.Only is null or "unary" ? options.Concurrency : [])
            {
                await WaitForQuietAsync($"unary c={concurrency} ours", processes);
                var ourResult = await ours.RunUnaryAsync(concurrency, options.Warmup, options.Duration, new CpuWindow(processes));
                Progress($"unary c={concurrency}: ours {ourResult.CallsPerSecond:N0} calls/s p50 {ourResult.P50Micros:N0} µs");
                await WaitForQuietAsync($"unary c={concurrency} grpcio", processes);
                var theirResult = await grpcio.RunUnaryAsync(concurrency, options.Warmup, options.Duration, new CpuWindow(processes));
                Progress($"unary c={concurrency}: grpcio {theirResult.CallsPerSecond:N0} calls/s p50 {theirResult.P50Micros:N0} µs");
                unary.Add((concurrency, ourResult, theirResult));
            }

            (UploadResult Ours, UploadResult Grpcio)? upload = options.Only is null or "upload"
                ? await UploadBothAsync(ours, grpcio, _temporaryRoot, processes)
                : null;
            Console.WriteLine();
            PrintTable(unary, upload);
            PrintGoals(unary, upload);
        }
        finally
        {
            RemoveTemporaryFiles();
        }
        Console.WriteLine();
        Console.WriteLine($"run time {clock.Elapsed.TotalSeconds:F0} s (this process, after the build)");
    }

    private async Task<(UploadResult Ours, UploadResult Grpcio)> UploadBothAsync(OursSide ours, GrpcioSide grpcio, string root,
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

        var ourResult = await OneSideAsync(ours);
        var theirResult = await OneSideAsync(grpcio);
        return (ourResult, theirResult);
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

    private void PrintSetup(OursSide ours, GrpcioSide grpcio, string agentDll)
    {
        Console.WriteLine("gRPC transport benchmark: Platform.Grpc vs python grpcio (C-core), same run, all on 127.0.0.1");
        Console.WriteLine($"  machine  {Environment.ProcessorCount} CPUs, {RuntimeInformation.OSDescription}");
        Console.WriteLine($"  ours     client: this process ({RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC), "
            + "one GrpcChannel, typed HostService/FileService clients");
        Console.WriteLine($"           server: the agent process, {agentDll} (pid {ours.ServerPid}, {GcOf(agentDll)} GC from its runtimeconfig), h2c 127.0.0.1:{ours.Port}");
        if (_agentWarning is not null)
        {
            Console.WriteLine($"           WARNING: {_agentWarning}");
        }
        Console.WriteLine($"  grpcio   {grpcio.Versions}; grpc.aio client process (one channel) and grpc.aio server process, 127.0.0.1:{grpcio.Port}");
        Console.WriteLine($"  unary    GetAgentInfo (same AgentInfo bytes on both servers); concurrency c = c calls in flight at once from one client");
        Console.WriteLine($"           process over one channel (tasks: .NET Task.Run / asyncio tasks); {options.Warmup.TotalSeconds:0.#} s warm-up, "
            + $"then {options.Duration.TotalSeconds:0.#} s measured");
        Console.WriteLine($"  upload   UploadFile, {Size((long)options.UploadMebibytes * 1024 * 1024)} in {options.ChunkKibibytes} KiB data messages after the header "
            + $"({options.UploadWarmupMebibytes} MiB warm-up first); both servers write a file and compute its md5, no fsync; clients compute no md5");
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

    private static void PrintTable(List<(int Concurrency, UnaryResult Ours, UnaryResult Grpcio)> unary, (UploadResult Ours, UploadResult Grpcio)? upload)
    {
        List<string[]> rows;
        if (unary.Count > 0)
        {
            rows = [["scenario", "ours p50", "ours p99", "ours calls/s", "grpcio p50", "grpcio p99", "grpcio calls/s", "ratio"]];
            foreach (var (concurrency, ours, grpcio) in unary)
            {
                rows.Add([$"unary c={concurrency}", Micros(ours.P50Micros), Micros(ours.P99Micros), Number(ours.CallsPerSecond),
                    Micros(grpcio.P50Micros), Micros(grpcio.P99Micros), Number(grpcio.CallsPerSecond), Ratio(ours.CallsPerSecond / grpcio.CallsPerSecond)]);
            }
            PrintRows(rows, rightAlignedFrom: 1);
            Console.WriteLine("  ratio = our calls/s ÷ grpcio's; latencies are per call, measured by each client; µs = microseconds");
            Console.WriteLine();
        }

        if (upload is var (ourUpload, theirUpload))
        {
            rows =
            [
                ["upload", "ours MB/s", "grpcio MB/s", "ratio", "ours s", "grpcio s", "ours CPU client/server", "grpcio CPU client/server", "others"],
                [$"{Size(ourUpload.Bytes)} stream", Number(ourUpload.MegabytesPerSecond), Number(theirUpload.MegabytesPerSecond),
                    Ratio(ourUpload.MegabytesPerSecond / theirUpload.MegabytesPerSecond),
                    $"{ourUpload.Seconds:F2}", $"{theirUpload.Seconds:F2}",
                    $"{ourUpload.ClientCpu.TotalSeconds:F2} s / {ourUpload.ServerCpu.TotalSeconds:F2} s",
                    $"{theirUpload.ClientCpu.TotalSeconds:F2} s / {theirUpload.ServerCpu.TotalSeconds:F2} s",
                    $"{Percent(ourUpload.Others)} / {Percent(theirUpload.Others)}"],
            ];
            PrintRows(rows, rightAlignedFrom: 1);
            Console.WriteLine("  MB = 10^6 bytes; time from the call's start to its response; CPU = user+system of each process during the upload;");
            Console.WriteLine("  ratio = our MB/s ÷ grpcio's; others = share of the CPUs used by processes outside this run (ours / grpcio)");
            Console.WriteLine($"  ceiling: MD5 alone (IncrementalHash, one thread, this process) runs at {Number(_md5MegabytesPerSecond)} MB/s here; both servers hash every byte");
            Console.WriteLine();
        }

        if (unary.Count > 0)
        {
            rows = [["CPU per call", "ours client", "ours server", "ours busy", "others", "conns", "grpcio client", "grpcio server", "grpcio busy", "others", "conns"]];
            foreach (var (concurrency, ours, grpcio) in unary)
            {
                rows.Add([$"unary c={concurrency}",
                    $"{ours.CpuMicrosPerCall("client"):F1} µs", $"{ours.CpuMicrosPerCall("server"):F1} µs", Percent(ours.Cpu.MachineBusy), Percent(ours.Cpu.Others),
                    ours.Connections.ToString(CultureInfo.InvariantCulture),
                    $"{grpcio.CpuMicrosPerCall("client"):F1} µs", $"{grpcio.CpuMicrosPerCall("server"):F1} µs", Percent(grpcio.Cpu.MachineBusy), Percent(grpcio.Cpu.Others),
                    grpcio.Connections.ToString(CultureInfo.InvariantCulture)]);
            }
            PrintRows(rows, rightAlignedFrom: 1);
            Console.WriteLine($"  user+system CPU of each process in the measured window ÷ calls; busy = share of all {Environment.ProcessorCount} CPUs in use;");
            Console.WriteLine("  others = share used by processes outside this run (a busy box skews every number); conns = TCP connections to the server");
        }
    }

    private static void PrintGoals(List<(int Concurrency, UnaryResult Ours, UnaryResult Grpcio)> unary, (UploadResult Ours, UploadResult Grpcio)? upload)
    {
        Console.WriteLine();
        List<string[]> rows = [["goal", "scenario", "result", "measured"]];
        foreach (var (concurrency, ours, grpcio) in unary)
        {
            var ratio = ours.P50Micros / grpcio.P50Micros;
            rows.Add(["our p50 ≤ grpcio's", $"unary c={concurrency}", ratio <= P50Goal ? "PASS" : "MISS",
                $"ours/grpcio p50 = {Ratio(ratio)} ({Micros(ours.P50Micros)} vs {Micros(grpcio.P50Micros)})"]);
        }
        foreach (var (concurrency, ours, grpcio) in unary)
        {
            var ratio = ours.CallsPerSecond / grpcio.CallsPerSecond;
            rows.Add(["our calls/s ≥ 2× grpcio's", $"unary c={concurrency}", ratio >= ThroughputGoal ? "PASS" : "MISS",
                $"ours/grpcio calls/s = {Ratio(ratio)} ({Number(ours.CallsPerSecond)} vs {Number(grpcio.CallsPerSecond)})"]);
        }
        var others = unary.SelectMany(u => new[] { u.Ours.Cpu.Others, u.Grpcio.Cpu.Others }).ToList();
        if (upload is var (ourUpload, theirUpload))
        {
            rows.Add(["upload ≥ 500 MB/s", $"{Size(ourUpload.Bytes)} stream", ourUpload.MegabytesPerSecond >= UploadGoalMegabytesPerSecond ? "PASS" : "MISS",
                $"{Number(ourUpload.MegabytesPerSecond)} MB/s = {Ratio(ourUpload.MegabytesPerSecond / UploadGoalMegabytesPerSecond)} the goal "
                + $"(grpcio {Number(theirUpload.MegabytesPerSecond)} MB/s; ours/grpcio = {Ratio(ourUpload.MegabytesPerSecond / theirUpload.MegabytesPerSecond)})"]);
            others.Add(ourUpload.Others);
            others.Add(theirUpload.Others);
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

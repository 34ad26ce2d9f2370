using System.Reflection;
using Platform.Benchmarks.Grpc;
using Platform.Benchmarks.Infrastructure;

// Platform.Benchmarks: measurements, not tests. Exit 0 with the numbers whatever they are;
// non-zero only when the benchmark itself could not run.
//   dotnet run -c Release --project tests/Platform.Benchmarks -- grpc [options]
//   dotnet run -c Release --project tests/Platform.Benchmarks -- agent [options]
//   dotnet run -c Release --project tests/Platform.Benchmarks -- controller [options]
//   dotnet run -c Release --project tests/Platform.Benchmarks -- driver-disk [options]

if (args.Length > 0 && args[0] == "agent")
{
    return await Platform.Benchmarks.Agent.AgentBenchmark.MainAsync(args[1..], typeof(GrpcBenchmark).Assembly);
}

if (args.Length > 0 && args[0] == "controller")
{
    return await Platform.Benchmarks.Controller.ControllerBenchmark.MainAsync(args[1..], typeof(GrpcBenchmark).Assembly);
}

if (args.Length > 0 && args[0] == "driver-disk")
{
    return await Platform.Benchmarks.DriverDisk.DriverDiskBenchmark.MainAsync(args[1..], typeof(GrpcBenchmark).Assembly);
}

if (args.Length == 0 || args[0] is "-h" or "--help" || args[0] != "grpc")
{
    Console.Error.WriteLine($"{GrpcBenchmark.Usage}\n{Platform.Benchmarks.Agent.AgentBenchmark.Usage}\n{Platform.Benchmarks.Controller.ControllerBenchmark.Usage}\n{Platform.Benchmarks.DriverDisk.DriverDiskBenchmark.Usage}");
    return args.Length > 0 && args[0] is "-h" or "--help" ? 0 : 2;
}

// An interrupted run still stops what it started (by PID) and removes its files.
return await BenchmarkMain.RunAsync(args[1..], GrpcBenchmark.Usage, a => GrpcBenchmarkOptions.Parse(a, typeof(GrpcBenchmark).Assembly),
    options => new GrpcBenchmark(options).RunAsync(), () =>
    {
        ChildProcess.Registry.StopAll();
        GrpcBenchmark.RemoveTemporaryFiles();
    });

internal sealed record GrpcBenchmarkOptions
{
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);
    public IReadOnlyList<int> Concurrency { get; init; } = [1, 16, 64];
    public int UploadMebibytes { get; init; } = 1024;
    public int ChunkKibibytes { get; init; } = 1024;
    public int UploadWarmupMebibytes { get; init; } = 1024;
    public TimeSpan QuietWait { get; init; } = TimeSpan.FromSeconds(5);
    public string? Only { get; init; }
    /// <summary>A built agent to use; null publishes agent/Platform.Agent of this repository for the run.</summary>
    public string? AgentDll { get; init; }
    public required string RepositoryRoot { get; init; }
    public required string Python { get; init; }
    public required string PythonScript { get; init; }
    public required string ProtoRoot { get; init; }

    public static GrpcBenchmarkOptions Parse(string[] args, Assembly assembly)
    {
        string Metadata(string key) => assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value!;
        var options = new GrpcBenchmarkOptions
        {
            AgentDll = Environment.GetEnvironmentVariable("PLATFORM_BENCH_AGENT_DLL") is { Length: > 0 } dll ? Path.GetFullPath(dll) : null,
            RepositoryRoot = Metadata("RepositoryRoot"),
            Python = Environment.GetEnvironmentVariable("PLATFORM_BENCH_PYTHON") is { Length: > 0 } python ? python : "/usr/bin/python3",
            PythonScript = Path.Combine(Metadata("PythonDirectory"), "bench_grpcio.py"),
            ProtoRoot = Metadata("ProtoDirectory"),
        };
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");
            double Seconds() => double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture);
            int Int() => int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Seconds()) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Seconds()) },
                "--concurrency" => options with
                {
                    Concurrency = [.. Value().Split(',').Select(c => int.Parse(c, System.Globalization.CultureInfo.InvariantCulture))],
                },
                "--only" => options with { Only = Value() is var only && only is "unary" or "upload" ? only : throw new ArgumentException("--only takes unary or upload") },
                "--quiet-wait" => options with { QuietWait = TimeSpan.FromSeconds(Seconds()) },
                "--upload-mib" => options with { UploadMebibytes = Int() },
                "--chunk-kib" => options with { ChunkKibibytes = Int() },
                "--upload-warmup-mib" => options with { UploadWarmupMebibytes = Int() },
                "--agent" => options with { AgentDll = Path.GetFullPath(Value()) },
                "--python" => options with { Python = Value() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (options.Concurrency.Count == 0 || options.Concurrency.Any(c => c < 1) || options.UploadMebibytes < 1 || options.ChunkKibibytes < 1
            || options.Duration <= TimeSpan.Zero || options.Warmup < TimeSpan.Zero)
        {
            throw new ArgumentException("durations, concurrency, sizes must be positive");
        }
        return options;
    }
}

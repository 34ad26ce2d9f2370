using System.Globalization;
using System.Reflection;
using Platform.Benchmarks.Grpc;

namespace Platform.Benchmarks.Controller;

internal sealed record ControllerBenchmarkOptions
{
    public int Instances { get; init; } = 100_000;
    public int Volumes { get; init; } = 100_000;
    public int Hosts { get; init; } = 50;
    public int Images { get; init; } = 200;
    public int PageSize { get; init; } = 20;
    public IReadOnlyList<int> Concurrency { get; init; } = [1, 8, 32];
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);
    public int Creates { get; init; } = 5;
    public int DriverCenterSaves { get; init; } = 3;
    public int DriverCenterMebibytes { get; init; } = 200;
    public string? Only { get; init; }
    public bool Verbose { get; init; }

    /// <summary>The environment's state directory (its postgres.env, ceph.env, libvirt.env).</summary>
    public required string StateDirectory { get; init; }

    /// <summary>Built daemons to use; null publishes them from this repository (Release) for the run.</summary>
    public string? ControllerDll { get; init; }

    public string? AgentDll { get; init; }

    public required string RepositoryRoot { get; init; }

    public required GrpcBenchmarkOptions Grpc { get; init; }

    public static ControllerBenchmarkOptions Parse(string[] args, Assembly assembly)
    {
        var grpc = GrpcBenchmarkOptions.Parse([], assembly);
        var options = new ControllerBenchmarkOptions
        {
            StateDirectory = Environment.GetEnvironmentVariable("PLATFORM_STATE") is { Length: > 0 } state ? state : "/var/lib/platform",
            ControllerDll = Environment.GetEnvironmentVariable("PLATFORM_BENCH_CONTROLLER_DLL") is { Length: > 0 } dll ? Path.GetFullPath(dll) : null,
            AgentDll = grpc.AgentDll,
            RepositoryRoot = grpc.RepositoryRoot,
            Grpc = grpc,
        };
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            double Seconds() => double.Parse(Value(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--instances" => options with { Instances = Int() },
                "--volumes" => options with { Volumes = Int() },
                "--concurrency" => options with { Concurrency = [.. Value().Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))] },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Seconds()) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Seconds()) },
                "--creates" => options with { Creates = Int() },
                "--saves" => options with { DriverCenterSaves = Int() },
                "--change-mib" => options with { DriverCenterMebibytes = Int() },
                "--only" => options with { Only = Value() is var only && only is "rest" or "create" or "driver-center" or "auth" ? only : throw new ArgumentException("--only takes rest, create, driver-center or auth") },
                "--state" => options with { StateDirectory = Value() },
                "--controller" => options with { ControllerDll = Path.GetFullPath(Value()) },
                "--agent" => options with { AgentDll = Path.GetFullPath(Value()) },
                "--verbose" => options with { Verbose = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (options.Instances < 2000 || options.Volumes < 2000 || options.Concurrency.Count == 0 || options.Concurrency.Any(c => c < 1)
            || options.Duration <= TimeSpan.Zero || options.Warmup < TimeSpan.Zero || options.Creates < 1)
        {
            throw new ArgumentException("--instances/--volumes ≥ 2000, concurrency, durations and --creates must be positive");
        }
        return options;
    }
}

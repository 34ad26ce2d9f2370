using System.Globalization;
using System.Reflection;
using Platform.Benchmarks.Grpc;

namespace Platform.Benchmarks.DriverDisk;

internal sealed record DriverDiskBenchmarkOptions
{
    public int PackageMebibytes { get; init; } = 200;
    public int SizeGibibytes { get; init; } = 256;
    public bool SkipSeed { get; init; }

    /// <summary>A built Platform.Agent.dll; null publishes agent/Platform.Agent of this repository for the run.</summary>
    public string? AgentDll { get; init; }

    /// <summary>The grpc benchmark's options, for its agent publishing.</summary>
    public required GrpcBenchmarkOptions Grpc { get; init; }

    public long SizeBytes => SizeGibibytes * (1L << 30);

    /// <summary>True when the run uses the sizes the goals are set for (256 GiB, 200 MiB).</summary>
    public bool GoalSizes => SizeGibibytes == 256 && PackageMebibytes == 200;

    public static DriverDiskBenchmarkOptions Parse(string[] args, Assembly assembly)
    {
        var grpc = GrpcBenchmarkOptions.Parse([], assembly);
        var options = new DriverDiskBenchmarkOptions { AgentDll = grpc.AgentDll, Grpc = grpc };
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");
            int Int() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--agent" => options with { AgentDll = Path.GetFullPath(Value()) },
                "--package-mib" => options with { PackageMebibytes = Int() },
                "--size-gib" => options with { SizeGibibytes = Int() },
                "--skip-seed" => options with { SkipSeed = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (options.AgentDll is { } agent && !File.Exists(agent))
        {
            throw new ArgumentException($"no agent at {agent}");
        }
        // The engine takes 64 MiB to 64 TiB; the package must fit in the disk with room to spare.
        if (options.SizeGibibytes is < 1 or > 65536)
        {
            throw new ArgumentException("--size-gib takes 1 to 65536");
        }
        if (options.PackageMebibytes < 1 || (long)options.PackageMebibytes * 4 > options.SizeGibibytes * 1024L)
        {
            throw new ArgumentException("--package-mib takes 1 to a quarter of the disk's size");
        }
        return options;
    }
}

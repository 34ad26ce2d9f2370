using Platform.Benchmarks.Infrastructure;

namespace Platform.Benchmarks.Grpc;

/// <summary>Unary calls that completed within the measured window, with the CPU both ends used in it.</summary>
internal sealed record UnaryResult(string Side, long Calls, double Seconds, double P50Micros, double P99Micros, CpuWindow Cpu, int Connections)
{
    public double CallsPerSecond => Calls / Seconds;

    /// <summary>CPU per call of this side's "client" or "server" process, µs.</summary>
    public double CpuMicrosPerCall(string role) => Calls == 0 ? 0 : Cpu.Used[$"{Side} {role}"].TotalMicroseconds / Calls;
}

/// <summary>One streamed upload, from the call's start to its response.</summary>
internal sealed record UploadResult(long Bytes, double Seconds, string Md5, TimeSpan ClientCpu, TimeSpan ServerCpu)
{
    /// <summary>Share of the CPUs that processes outside the run used meanwhile.</summary>
    public double Others { get; init; }

    /// <summary>10^6 bytes per second.</summary>
    public double MegabytesPerSecond => Bytes / 1e6 / Seconds;
}

/// <summary>One implementation under test: a client process and a server process.</summary>
internal interface IGrpcSide
{
    string Name { get; }

    /// <summary>CPU time so far of the client process and of the server process.</summary>
    Func<TimeSpan> ClientCpu { get; }

    Func<TimeSpan> ServerCpu { get; }

    /// <summary>Runs the load; <paramref name="cpu"/> is sampled over the measured window.</summary>
    Task<UnaryResult> RunUnaryAsync(int concurrency, TimeSpan warmup, TimeSpan duration, CpuWindow cpu);

    Task<UploadResult> UploadAsync(string name, string chunkFile, byte[] chunk, int chunks);

    /// <summary>Removes an uploaded file from the server's directory.</summary>
    void DeleteUploaded(string name);
}

internal static class Percentiles
{
    /// <summary>Nearest rank of sorted samples (the Python side computes it the same way).</summary>
    public static long NearestRank(long[] sorted, double fraction)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }
        // ceil(fraction × n) in integers, so that 0.99 × 100 is exactly 99.
        var parts = (long)Math.Round(fraction * 1_000_000);
        var rank = Math.Max(1, ((parts * sorted.Length) + 999_999) / 1_000_000);
        return sorted[rank - 1];
    }
}

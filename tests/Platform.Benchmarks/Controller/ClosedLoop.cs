using System.Diagnostics;
using Platform.Benchmarks.Grpc;
using Platform.Benchmarks.Infrastructure;

namespace Platform.Benchmarks.Controller;

/// <summary>One measured case: latencies of the requests that began in the measured window.</summary>
internal sealed record LoadResult(string Case, string Side, int Concurrency, long Requests, long Errors, double Seconds, long[] SortedTicks, CpuWindow Cpu)
{
    public double PerSecond => Requests / Seconds;

    public double P50Ms => Ms(Percentiles.NearestRank(SortedTicks, 0.50));

    public double P99Ms => Ms(Percentiles.NearestRank(SortedTicks, 0.99));

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>
/// Closed loop: <c>concurrency</c> callers each issue one operation after the other for
/// warm-up + duration; only operations that begin after the warm-up count.
/// </summary>
internal static class ClosedLoop
{
    public static async Task<LoadResult> RunAsync(string name, string side, int concurrency, TimeSpan warmup, TimeSpan duration,
        Func<Random, Task<bool>> operation, CpuWindow cpu)
    {
        var start = Stopwatch.GetTimestamp();
        var from = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var to = from + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var sampling = cpu.SampleAsync(from, to);
        long errors = 0;

        async Task<List<long>> CallerAsync(int seed)
        {
            await Task.Yield();
            var random = new Random(seed);
            var latencies = new List<long>(1 << 14);
            while (true)
            {
                var begin = Stopwatch.GetTimestamp();
                if (begin >= to)
                {
                    return latencies;
                }
                var ok = await operation(random).ConfigureAwait(false);
                var end = Stopwatch.GetTimestamp();
                if (begin >= from)
                {
                    if (ok)
                    {
                        latencies.Add(end - begin);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            }
        }

        var callers = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(() => CallerAsync(1000 + i))));
        await sampling;
        var all = callers.SelectMany(c => c).ToArray();
        Array.Sort(all);
        return new LoadResult(name, side, concurrency, all.Length, errors, duration.TotalSeconds, all, cpu);
    }
}

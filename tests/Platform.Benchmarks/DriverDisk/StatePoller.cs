using System.Diagnostics;
using Platform.Contracts.Agent.V1;

namespace Platform.Benchmarks.DriverDisk;

/// <summary>One step of a driver disk command as GetDriverDiskState showed it ("save: SaveCommit"), seconds.</summary>
internal sealed record StepTime(string Step, double Seconds);

/// <summary>A timed call, with the steps the agent's state showed while it ran.</summary>
internal sealed record TimedCall<T>(T Result, double Seconds, IReadOnlyList<StepTime> Steps)
{
    /// <summary>Seconds of <paramref name="step"/>, null when the state never showed it.</summary>
    public double? Step(string step) => Steps.Where(s => s.Step == step).Select(s => (double?)s.Seconds).FirstOrDefault();
}

/// <summary>
/// Times a driver disk command while polling GetDriverDiskState (one call in flight, 10 ms apart),
/// as a controller showing progress would. The state names the running command and its step; a
/// step is counted from the send time of the last poll that did not show it yet, so each step's
/// time is an upper bound by at most one poll interval plus a poll's latency, and the last step
/// ends when the command's response arrives. Steps shorter than that may not be seen at all
/// (their time goes to the step before).
/// </summary>
internal static class StatePoller
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    public static async Task<TimedCall<T>> TimeAsync<T>(DriverDiskService.DriverDiskServiceClient client, Func<Task<T>> call)
    {
        var polls = new List<(long Sent, string Running)>();
        using var stop = new CancellationTokenSource();
        var start = Stopwatch.GetTimestamp();
        var polling = PollAsync(client, polls, stop.Token);
        T result;
        long end;
        try
        {
            result = await call();
        }
        finally
        {
            end = Stopwatch.GetTimestamp();
            await stop.CancelAsync();
            await polling;
        }
        return new TimedCall<T>(result, Seconds(start, end), Steps(polls, start, end));
    }

    private static async Task PollAsync(DriverDiskService.DriverDiskServiceClient client, List<(long Sent, string Running)> polls, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var sent = Stopwatch.GetTimestamp();
            try
            {
                var state = await client.GetDriverDiskStateAsync(new GetDriverDiskStateRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: stop);
                polls.Add((sent, state.Running));
                await Task.Delay(Interval, stop);
            }
            catch (Exception e) when (e is OperationCanceledException or global::Grpc.Core.RpcException)
            {
                // Stopped (a cancelled poll is not recorded), or one poll failed: the next one tries again.
            }
        }
    }

    private static List<StepTime> Steps(List<(long Sent, string Running)> polls, long start, long end)
    {
        var steps = new List<StepTime>();
        string? current = null;
        var since = start;
        for (var i = 0; i < polls.Count; i++)
        {
            var running = polls[i].Running;
            var colon = running.IndexOf(": ", StringComparison.Ordinal);
            var step = colon < 0 ? null : running[(colon + 2)..];
            if (step is null || step == current)
            {
                continue;
            }
            var boundary = i > 0 ? polls[i - 1].Sent : start;
            steps.Add(new StepTime(current ?? "(before the first step)", Seconds(since, boundary)));
            current = step;
            since = boundary;
        }
        if (current is not null)
        {
            steps.Add(new StepTime(current, Seconds(since, end)));
        }
        return [.. steps.Where(s => s.Step != "(before the first step)" || s.Seconds > 0)];
    }

    private static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;
}

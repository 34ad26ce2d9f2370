using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Platform.Controller.Reconciliation;

/// <summary>
/// Runs a reconciliation pass every interval, and soon after a host reports a domain event;
/// backs off while the database is unreachable.
/// </summary>
internal sealed partial class ReconciliationLoop(Reconciler reconciler, IOptions<ReconciliationOptions> options, Api.RepeatedWarnings repeated, ILogger<ReconciliationLoop> logger) : BackgroundService
{
    // Events come in bursts (a start is several lifecycle events): one pass covers a burst.
    private static readonly TimeSpan EventSettle = TimeSpan.FromMilliseconds(300);

    private readonly SemaphoreSlim _requested = new(0, 1);

    /// <summary>Asks for a pass now rather than at the next interval.</summary>
    public void RequestPass()
    {
        if (_requested.CurrentCount == 0)
        {
            try
            {
                _requested.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another event asked first: one pass covers both.
            }
        }
    }

    public override void Dispose()
    {
        _requested.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Interval;
        var backOff = TimeSpan.Zero;
        // Event-driven passes compare the hosts only; the full pass still comes every interval
        // however often events arrive.
        var lastFull = Stopwatch.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (backOff > TimeSpan.Zero)
                {
                    // The database was unreachable: events do not cut the back-off short.
                    await Task.Delay(backOff, stoppingToken);
                }
                var untilFull = interval - Stopwatch.GetElapsedTime(lastFull);
                if (untilFull > TimeSpan.Zero && await _requested.WaitAsync(untilFull, stoppingToken))
                {
                    await Task.Delay(EventSettle, stoppingToken);
                }
                var scope = Stopwatch.GetElapsedTime(lastFull) >= interval ? ReconciliationScope.Everything : ReconciliationScope.Hosts;
                await reconciler.RunPassAsync(scope, stoppingToken);
                if (scope == ReconciliationScope.Everything)
                {
                    lastFull = Stopwatch.GetTimestamp();
                }
                backOff = TimeSpan.Zero;
            }
            catch (NpgsqlException e)
            {
                backOff = TimeSpan.FromTicks(Math.Min(Math.Max(backOff.Ticks * 2, interval.Ticks), TimeSpan.FromMinutes(5).Ticks));
                // The database is away (an outage): one line now and then, without a stack trace.
                if (repeated.ShouldLog("reconciliation", out var suppressed))
                {
                    LogFailed(e.Message, backOff, suppressed);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1811, Level = LogLevel.Warning, Message = "Reconciliation pass failed: {Reason}; next try in {Delay} ({Suppressed} more failures since the last line)")]
    private partial void LogFailed(string reason, TimeSpan delay, int suppressed);
}

using Microsoft.Extensions.Options;
using Npgsql;

namespace Platform.Controller.Reconciliation;

/// <summary>Runs a reconciliation pass every interval, backing off while the database is unreachable.</summary>
internal sealed partial class ReconciliationLoop(Reconciler reconciler, IOptions<ReconciliationOptions> options, ILogger<ReconciliationLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Interval;
        var delay = interval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, stoppingToken);
                await reconciler.RunPassAsync(stoppingToken);
                delay = interval;
            }
            catch (NpgsqlException e)
            {
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(5).Ticks));
                LogFailed(e, delay);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1811, Level = LogLevel.Warning, Message = "Reconciliation pass failed; next try in {Delay}")]
    private partial void LogFailed(Exception exception, TimeSpan delay);
}

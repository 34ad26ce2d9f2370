using Microsoft.Extensions.Options;

namespace Platform.Controller.Hosts;

/// <summary>Marks hosts down when their heartbeats stop. Safe on every replica: the update is idempotent.</summary>
internal sealed partial class HostLivenessMonitor(HostStore hosts, IOptions<HostsOptions> options, TimeProvider clock, ILogger<HostLivenessMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = options.Value.HeartbeatInterval;
        using var timer = new PeriodicTimer(period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var hostId in await hosts.MarkSilentHostsDownAsync(options.Value.DownAfter, stoppingToken))
                {
                    LogHostDown(hostId, options.Value.DownAfter);
                }
            }
            catch (Npgsql.NpgsqlException e)
            {
                LogCheckFailed(e);
            }
        }
    }

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Host {HostId} missed its heartbeats for {Silence}: marked down, it gets no new work")]
    private partial void LogHostDown(string hostId, TimeSpan silence);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Host liveness check failed; retrying next period")]
    private partial void LogCheckFailed(Exception exception);
}

using Microsoft.Extensions.Options;

namespace Platform.Controller.Hosts;

/// <summary>
/// Marks hosts down when their heartbeats stop. Safe on every replica: the update is idempotent.
/// After the inventory database was unreachable, hosts get a full DownAfter before anything is
/// marked down: heartbeats this controller could not record are no silence of the hosts.
/// </summary>
internal sealed partial class HostLivenessMonitor(
    HostStore hosts, IOptions<HostsOptions> options, Api.RepeatedWarnings repeated, TimeProvider clock, ILogger<HostLivenessMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = options.Value.HeartbeatInterval;
        using var timer = new PeriodicTimer(period, clock);
        // Heartbeats are recorded since this moment (start-up counts: they may have gone unrecorded before).
        var recordingSince = clock.GetUtcNow();
        var outage = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (outage || clock.GetUtcNow() - recordingSince < options.Value.DownAfter)
                {
                    // Probe the database: the grace starts once it answers again, and a new outage restarts it.
                    await hosts.ListAsync(stoppingToken);
                    if (outage)
                    {
                        outage = false;
                        recordingSince = clock.GetUtcNow();
                        LogGrace(options.Value.DownAfter);
                    }
                    continue;
                }
                foreach (var hostId in await hosts.MarkSilentHostsDownAsync(options.Value.DownAfter, stoppingToken))
                {
                    LogHostDown(hostId, options.Value.DownAfter);
                }
            }
            catch (Npgsql.NpgsqlException e)
            {
                outage = true;
                if (repeated.ShouldLog("host-liveness", out var suppressed))
                {
                    LogCheckFailed(e.Message, suppressed);
                }
            }
        }
    }

    [LoggerMessage(EventId = 1204, Level = LogLevel.Information, Message = "Inventory database reachable again: no host is marked down for the next {Grace}")]
    private partial void LogGrace(TimeSpan grace);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Host {HostId} missed its heartbeats for {Silence}: marked down, it gets no new work")]
    private partial void LogHostDown(string hostId, TimeSpan silence);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Host liveness check failed; retrying next period: {Reason} ({Suppressed} more failures since the last line)")]
    private partial void LogCheckFailed(string reason, int suppressed);
}

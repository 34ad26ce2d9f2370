using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Controller.Agents;
using Platform.Controller.Hosts;

namespace Platform.Controller.Reconciliation;

/// <summary>
/// Follows every up host's domain events and asks for a reconciliation pass when one arrives,
/// so a guest that powers itself off shows as stopped within a second rather than at the next
/// interval. A watch that ends (agent restarted, stream deadline) is opened again.
/// </summary>
internal sealed partial class HostEventWatcher(
    ReconciliationStore store,
    AgentClients agents,
    ReconciliationLoop loop,
    IOptions<HostsOptions> hostOptions,
    Api.RepeatedWarnings repeated,
    ILogger<HostEventWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan WatchLifetime = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, Task> _watches = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(hostOptions.Value.HeartbeatInterval);
        do
        {
            try
            {
                foreach (var host in await store.UpHostsAsync(stoppingToken))
                {
                    if (_watches.TryGetValue(host.HostId, out var running) && !running.IsCompleted)
                    {
                        continue;
                    }
                    _watches[host.HostId] = WatchAsync(host, stoppingToken);
                }
            }
            catch (NpgsqlException e)
            {
                if (repeated.ShouldLog("host-event-watch", out var suppressed))
                {
                    LogListFailed(e.Message, suppressed);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task WatchAsync(ReconciliationStore.HostEndpoint host, CancellationToken ct)
    {
        try
        {
            await foreach (var domainEvent in agents.For(host.HostId, host.GrpcEndpoint).WatchDomainEventsAsync(WatchLifetime, ct))
            {
                if (domainEvent.EventCase == Contracts.Agent.V1.DomainEvent.EventOneofCase.StateChanged)
                {
                    LogEvent(host.HostId, domainEvent.Domain, domainEvent.StateChanged);
                    loop.RequestPass();
                }
            }
        }
        catch (AgentException e)
        {
            LogWatchEnded(host.HostId, e.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(EventId = 1821, Level = LogLevel.Debug, Message = "Host {HostId}: domain {Domain} is now {State}; reconciling")]
    private partial void LogEvent(string hostId, string domain, Contracts.Agent.V1.DomainState state);

    [LoggerMessage(EventId = 1822, Level = LogLevel.Debug, Message = "Event watch of host {HostId} ended: {Reason}; reopened at the next tick")]
    private partial void LogWatchEnded(string hostId, string reason);

    [LoggerMessage(EventId = 1823, Level = LogLevel.Warning, Message = "Listing hosts to watch failed; retrying next tick: {Reason} ({Suppressed} more failures since the last line)")]
    private partial void LogListFailed(string reason, int suppressed);
}

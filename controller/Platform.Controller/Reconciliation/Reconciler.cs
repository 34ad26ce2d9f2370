using Platform.Common.Observability;
using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Instances;

namespace Platform.Controller.Reconciliation;

/// <summary>
/// One comparison of the inventory with every up host's domains and with the RBD pools.
/// Drift is recorded (and resolved when it disappears); the only fixes made are the safe ones
/// — an instance's status follows what its host reports, a record whose RBD image is gone is
/// marked error. Nothing is ever deleted on reconciliation's say-so, and anything a task holds
/// is left alone.
/// </summary>
/// <remarks>Device comparison (volumes and NICs, live and persistent) is in Reconciler.Devices.cs.</remarks>
internal sealed partial class Reconciler(
    ReconciliationStore store, DriftStore drifts, AgentClients agents, StorageAgents storage, Microsoft.Extensions.Options.IOptions<AgentOptions> options, ILogger<Reconciler> logger)
{
    public const string DomainMissing = "domain_missing";
    public const string DomainUnknown = "domain_unknown";
    public const string StateCorrected = "state_corrected";
    public const string RbdVolumeMissing = "rbd_volume_missing";
    public const string RbdVolumeUnknown = "rbd_volume_unknown";
    public const string RbdVolumeIncomplete = "rbd_volume_incomplete";
    public const string RbdImageMissing = "rbd_image_missing";
    public const string DeviceDetached = "device_detached";
    public const string DeviceConfigMismatch = "device_config_mismatch";
    public const string DeviceUnknown = "device_unknown";
    public const string DeviceRestored = "device_restored";

    public static readonly IReadOnlyList<string> Kinds =
        [DomainMissing, DomainUnknown, StateCorrected, RbdVolumeMissing, RbdVolumeUnknown, RbdVolumeIncomplete, RbdImageMissing, DeviceDetached, DeviceConfigMismatch, DeviceUnknown, DeviceRestored, CreationFinished];

    private static readonly string[] HostKinds = [DomainMissing, DomainUnknown, StateCorrected, DeviceDetached, DeviceConfigMismatch, DeviceUnknown, DeviceRestored];
    private static readonly string[] PoolKinds = [RbdVolumeMissing, RbdVolumeUnknown, RbdVolumeIncomplete, RbdImageMissing, CreationFinished];

    /// <summary>
    /// Runs a pass unless another replica is running one; false when skipped. A pass that
    /// follows a domain event compares the hosts only: an event says nothing about the pools,
    /// and reading every volume of a large inventory after each start or stop would put the
    /// whole inventory between a user's create and its answer.
    /// </summary>
    public Task<bool> RunPassAsync(ReconciliationScope scope, CancellationToken ct) => store.TryExclusiveAsync(() => PassAsync(scope, ct), ct);

    private async Task PassAsync(ReconciliationScope scope, CancellationToken ct)
    {
        // Its own trace: the agents' lines for the pass's calls carry its id.
        using var activity = PlatformMetrics.ActivitySource.StartActivity("reconciliation pass");
        var seen = new List<Drift>();
        var scopes = new List<string>();
        if (await CompareHostsAsync(seen, ct))
        {
            scopes.AddRange(HostKinds);
        }
        if (scope == ReconciliationScope.Everything)
        {
            if (await ComparePoolsAsync(seen, ct))
            {
                scopes.AddRange(PoolKinds);
            }
            await store.FoldRowCountsAsync(ct);
        }
        await drifts.RecordPassAsync(scopes, seen, ct);
        var open = await drifts.CountOpenAsync(ct);
        // Every kind, so that a kind's series drops to 0 rather than vanishing when its drift is resolved.
        PlatformMetrics.SetOpenDrift(Kinds.Select(kind => (kind, open.GetValueOrDefault(kind))));
        LogPass(scope, seen.Count);
    }

    /// <summary>False when some host could not be asked: its drift must not be marked resolved.</summary>
    private async Task<bool> CompareHostsAsync(List<Drift> seen, CancellationToken ct)
    {
        var complete = true;
        foreach (var host in await store.UpHostsAsync(ct))
        {
            ListDomainsResponse domains;
            try
            {
                domains = await agents.For(host.HostId, host.GrpcEndpoint).ListDomainsAsync(ct);
            }
            catch (AgentException e)
            {
                LogHostUnreachable(host.HostId, e.Message);
                complete = false;
                continue;
            }
            var onHost = domains.Domains.ToDictionary(d => d.Name, StringComparer.Ordinal);
            foreach (var instance in await store.InstancesOnAsync(host.HostId, ct))
            {
                if (instance.Busy || instance.Status is InstanceStatus.Creating or InstanceStatus.Destroying)
                {
                    continue;
                }
                if (!onHost.TryGetValue(instance.Id, out var domain))
                {
                    // Still drift once the instance is in error: it stays open until destroy or a fix.
                    var reason = $"its domain is missing on host {host.HostId}";
                    if (instance.Status != InstanceStatus.Error)
                    {
                        await store.CorrectInstanceStatusAsync(instance.Id, instance.Status, InstanceStatus.Error, reason, ct);
                    }
                    seen.Add(new Drift(DomainMissing, instance.Id, host.HostId, reason, "instance marked error"));
                    continue;
                }
                if (instance.Status == InstanceStatus.Error)
                {
                    // What went wrong is for the operator to judge (destroy, or turn on/off once fixed).
                    continue;
                }
                // Paused and crashed are shown as such, with libvirt's reason: never folded into running or stopped.
                var actual = InstanceStatus.Of(domain.State);
                var stateReason = actual is InstanceStatus.Paused or InstanceStatus.Crashed && domain.StateReason.Length > 0 ? domain.StateReason : null;
                if (actual is not null && (actual != instance.Status || stateReason != instance.StatusReason)
                    && await store.CorrectInstanceStatusAsync(instance.Id, instance.Status, actual, stateReason, ct))
                {
                    seen.Add(new Drift(StateCorrected, instance.Id, host.HostId,
                        $"the inventory said {instance.Status}, host {host.HostId} reports {domain.State}{(stateReason is null ? "" : $" ({stateReason})")}", $"status set to {actual}"));
                    LogCorrected(instance.Id, instance.Status, actual);
                }
                await CompareDevicesAsync(instance.Id, host.HostId, domain, seen, ct);
            }
            var known = await store.KnownInstanceIdsAsync(onHost.Keys, ct);
            foreach (var name in onHost.Keys.Where(n => !known.Contains(n)))
            {
                seen.Add(new Drift(DomainUnknown, name, host.HostId, $"host {host.HostId} runs domain {name}, which the inventory does not know", "recorded"));
            }
        }
        return complete;
    }

    private async Task<bool> ComparePoolsAsync(List<Drift> seen, CancellationToken ct)
    {
        var agent = await storage.AnyAsync(ct);
        if (agent.Value is null)
        {
            return false;
        }
        try
        {
            // Rows before pools: a row that was available before the listing had its RBD image
            // before it too. Read the other way round, a volume whose create finished between the
            // listing and the read would look missing and be marked error.
            var volumeRows = await store.PoolRowsAsync("volumes", ct);
            var imageRows = await store.PoolRowsAsync("images", ct);
            var volumes = (await agent.Value.ListImagesAsync(StorageAgents.VolumesPool, ct)).Names.ToHashSet(StringComparer.Ordinal);
            var images = (await agent.Value.ListImagesAsync(StorageAgents.ImagesPool, ct)).Names.ToHashSet(StringComparer.Ordinal);
            // Volumes already in error stay open drift while their image is missing; the update skips them.
            var missingVolumes = volumeRows.Where(r => !r.Busy && r.Status is "available" or "in-use" or "error" && !volumes.Contains(r.Id)).Select(r => r.Id).ToList();
            await store.MarkMissingAsync("volumes", missingVolumes, ct);
            seen.AddRange(missingVolumes.Select(id => new Drift(RbdVolumeMissing, id, null, $"RBD image {StorageAgents.VolumesPool}/{id} is missing", "volume marked error")));
            // Every RBD image is made after its row, so the rows as they are now know every image a
            // request made, including those made since the first read.
            var recorded = (await store.PoolRowsAsync("volumes", ct)).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var name in volumes.Where(n => !recorded.Contains(n)))
            {
                seen.Add(await IsIncompleteAsync(agent.Value, StorageAgents.VolumesPool, name, ct)
                    ? new Drift(RbdVolumeIncomplete, name, null, $"pool {StorageAgents.VolumesPool} has the remains of an interrupted create of {name} (listed, no header), which the inventory does not know", "recorded")
                    : new Drift(RbdVolumeUnknown, name, null, $"pool {StorageAgents.VolumesPool} has {name}, which the inventory does not know", "recorded"));
            }
            await RecordIncompleteVolumesAsync(agent.Value, volumeRows.Where(r => !r.Busy && r.Status == "error" && volumes.Contains(r.Id)).Select(r => r.Id), seen, ct);
            await FinishAbandonedImagesAsync(agent.Value, images, seen, ct);
            var missingImages = imageRows.Where(r => r.Status is "available" or "error" && !images.Contains(r.Id)).Select(r => r.Id).ToList();
            await store.MarkMissingAsync("images", missingImages, ct);
            seen.AddRange(missingImages.Select(id => new Drift(RbdImageMissing, id, null, $"RBD image {StorageAgents.ImagesPool}/{id} is missing", "image marked error")));
            return true;
        }
        catch (AgentException e)
        {
            LogPoolsUnreachable(e.Message);
            return false;
        }
    }

    [LoggerMessage(EventId = 1801, Level = LogLevel.Debug, Message = "Reconciliation pass over {Scope} done: {Drift} drift item(s) seen")]
    private partial void LogPass(ReconciliationScope scope, int drift);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Warning, Message = "Reconciliation could not list the domains of host {HostId}: {Reason}")]
    private partial void LogHostUnreachable(string hostId, string reason);

    [LoggerMessage(EventId = 1803, Level = LogLevel.Warning, Message = "Reconciliation could not list the RBD pools: {Reason}")]
    private partial void LogPoolsUnreachable(string reason);

    [LoggerMessage(EventId = 1804, Level = LogLevel.Information, Message = "Instance {InstanceId} was {From} in the inventory but its host reports otherwise: now {To}")]
    private partial void LogCorrected(string instanceId, string from, string to);
}

internal enum ReconciliationScope
{
    /// <summary>The hosts' domains only (after a domain event).</summary>
    Hosts,

    /// <summary>Hosts and RBD pools (the periodic pass).</summary>
    Everything,
}

using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;

namespace Platform.Controller.Reconciliation;

/// <summary>
/// Devices: the volumes and NICs the inventory has on an instance against the domain's live and
/// persistent definitions. A device in neither is truly gone (a hot-unplug the guest completed
/// late, or a power cycle after one it never completed): its record is freed. A device in error
/// that the domain has both ways is attached: its record says so again. Those are the safe fixes;
/// a device in only one of the two, or one the inventory does not attach there, is recorded.
/// </summary>
internal sealed partial class Reconciler
{
    private async Task CompareDevicesAsync(string instanceId, string hostId, Domain domain, List<Drift> seen, CancellationToken ct)
    {
        var liveDisks = domain.Disks.Select(d => d.Image).ToHashSet(StringComparer.Ordinal);
        var persistentDisks = domain.PersistentDisks.Select(d => d.Image).ToHashSet(StringComparer.Ordinal);
        var liveNics = domain.Nics.Select(n => n.Mac.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var persistentNics = domain.PersistentNics.Select(n => n.Mac.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var running = domain.State is not DomainState.ShutOff;
        var devices = await store.DevicesOfAsync(instanceId, ct);
        foreach (var device in devices.Where(d => !d.Busy))
        {
            var key = device.Kind == ReconciliationStore.VolumeDevice ? $"{StorageAgents.VolumesPool}/{device.Id}" : device.Key.ToLowerInvariant();
            var (live, persistent) = device.Kind == ReconciliationStore.VolumeDevice
                ? (liveDisks.Contains(key), persistentDisks.Contains(key))
                : (liveNics.Contains(key), persistentNics.Contains(key));
            var what = device.Kind == ReconciliationStore.VolumeDevice ? $"volume {device.Id}" : $"NIC {device.Id} ({device.Key})";
            if (!live && !persistent)
            {
                if (device.IsBoot)
                {
                    seen.Add(new Drift(DeviceDetached, device.Id, hostId, $"boot {what} is not attached to domain {instanceId}", "recorded"));
                }
                else if (await store.FreeDeviceAsync(device, instanceId, ct))
                {
                    seen.Add(new Drift(DeviceDetached, device.Id, hostId,
                        $"{what} was recorded on instance {instanceId} ({device.Status}) but its domain has it neither running nor in its definition",
                        device.Kind == ReconciliationStore.VolumeDevice ? "volume marked available" : "NIC marked idle"));
                    LogDeviceFreed(device.Id, instanceId);
                }
            }
            else if (live && persistent && device.Status == "error" && await store.RestoreDeviceAsync(device, instanceId, ct))
            {
                // An operation that ended unsure (its agent died) left the record in error; the domain has the device both ways.
                seen.Add(new Drift(DeviceRestored, device.Id, hostId, $"{what} was in error on instance {instanceId} but its domain has it, running and in its definition",
                    device.Kind == ReconciliationStore.VolumeDevice ? "volume marked in-use" : "NIC marked attached"));
            }
            else if (running && live != persistent)
            {
                seen.Add(new Drift(DeviceConfigMismatch, device.Id, hostId, live
                    ? $"{what} is attached to the running domain {instanceId} but not to its definition: it goes at the next power cycle"
                    : $"{what} is in the definition of domain {instanceId} but not attached to it while it runs: it comes back at the next power cycle", "recorded"));
            }
        }
        var recordedDisks = devices.Where(d => d.Kind == ReconciliationStore.VolumeDevice).Select(d => $"{StorageAgents.VolumesPool}/{d.Id}").ToHashSet(StringComparer.Ordinal);
        var recordedNics = devices.Where(d => d.Kind == ReconciliationStore.NicDevice).Select(d => d.Key.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        foreach (var image in liveDisks.Union(persistentDisks).Where(i => i.StartsWith(StorageAgents.VolumesPool + "/", StringComparison.Ordinal) && !recordedDisks.Contains(i)))
        {
            seen.Add(new Drift(DeviceUnknown, image, hostId, $"domain {instanceId} has disk {image}, which the inventory does not attach to it", "recorded"));
        }
        foreach (var mac in liveNics.Union(persistentNics).Where(m => !recordedNics.Contains(m)))
        {
            seen.Add(new Drift(DeviceUnknown, $"{instanceId}/{mac}", hostId, $"domain {instanceId} has NIC {mac}, which the inventory does not attach to it", "recorded"));
        }
    }

    [LoggerMessage(EventId = 1805, Level = LogLevel.Warning, Message = "{DeviceId} was recorded on instance {InstanceId} but its domain no longer has it: record freed")]
    private partial void LogDeviceFreed(string deviceId, string instanceId);
}

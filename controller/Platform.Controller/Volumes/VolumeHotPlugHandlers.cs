using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Tasks;
using Grpc.Core;

namespace Platform.Controller.Volumes;

/// <summary>
/// volume.mount: the RBD disk hot-plugged into the instance's domain (live and persistent when it
/// runs, persistent only when it is shut off: the agent chooses by the domain's state).
/// </summary>
internal sealed partial class VolumeMountHandler(VolumeStore volumes, AgentClients agents, ILogger<VolumeMountHandler> logger) : ITaskHandler
{
    public string Kind => VolumeTasks.Mount;

    public async Task RunAsync(TaskContext context, CancellationToken ct)
    {
        var (volumeId, instanceId, device) = Read(context);
        var agent = await VolumeAgents.ForInstanceAsync(volumes, agents, instanceId, ct);
        var disk = new RbdDisk { Image = VolumeAgents.RbdName(volumeId), Target = device };
        try
        {
            await agent.AttachDiskAsync(new AttachDiskRequest { OperationId = context.OperationId("attach"), Domain = instanceId, Disk = disk }, ct);
        }
        catch (AgentException e)
        {
            // A lost answer with the disk in place is success.
            if (!TaskFailures.IsAmbiguous(e) || await VolumeAgents.HasDiskAsync(agent, instanceId, disk, ct) != true)
            {
                throw new TaskFailedException(TaskFailures.From(e));
            }
        }
        await volumes.SetAttachmentAsync(volumeId, VolumeStatus.InUse, instanceId, device, null, ct);
        LogMounted(volumeId, instanceId, device);
    }

    /// <summary>
    /// Back to available only when the domain is known not to have the disk; if it may have it
    /// (a lost answer) the disk is detached first, and if that cannot be confirmed the volume
    /// stays recorded on the instance, in error.
    /// </summary>
    public async Task FailAsync(TaskContext context, TaskFailure failure, CancellationToken ct)
    {
        var (volumeId, instanceId, device) = Read(context);
        var disk = new RbdDisk { Image = VolumeAgents.RbdName(volumeId), Target = device };
        string? undoFailure = null;
        try
        {
            var agent = await VolumeAgents.ForInstanceAsync(volumes, agents, instanceId, CancellationToken.None);
            var present = await VolumeAgents.HasDiskAsync(agent, instanceId, disk, CancellationToken.None);
            if (present is null)
            {
                undoFailure = "cannot tell whether the domain has the disk";
            }
            else if (present == true)
            {
                await agent.DetachDiskAsync(new DetachDiskRequest { OperationId = context.OperationId("undo"), Domain = instanceId, Target = device }, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is AgentException or TaskFailedException)
        {
            undoFailure = e.Message;
        }
        LogMountFailed(volumeId, instanceId, failure.Message, undoFailure);
        if (undoFailure is null)
        {
            await volumes.SetAttachmentAsync(volumeId, VolumeStatus.Available, null, null, failure.Message, CancellationToken.None);
        }
        else
        {
            await volumes.SetAttachmentAsync(volumeId, VolumeStatus.Error, instanceId, device, $"{failure.Message}; the disk may still be attached: {undoFailure}", CancellationToken.None);
        }
    }

    private static (string VolumeId, string InstanceId, string Device) Read(TaskContext context)
    {
        var payload = context.Payload<VolumeTaskPayload>();
        return (payload.VolumeId, payload.InstanceId!, payload.Device!);
    }

    [LoggerMessage(EventId = 1530, Level = LogLevel.Information, Message = "Volume {VolumeId} attached to {InstanceId} as {Device}")]
    private partial void LogMounted(string volumeId, string instanceId, string device);

    [LoggerMessage(EventId = 1531, Level = LogLevel.Warning, Message = "Attaching volume {VolumeId} to {InstanceId} failed: {Reason} (undo failure: {UndoFailure})")]
    private partial void LogMountFailed(string volumeId, string instanceId, string reason, string? undoFailure);
}

/// <summary>
/// volume.unmount: succeeds only once the agent confirms the disk is gone from the domain. A
/// guest that keeps it leaves the volume in-use (it is still attached) with the reason.
/// </summary>
internal sealed partial class VolumeUnmountHandler(VolumeStore volumes, AgentClients agents, ILogger<VolumeUnmountHandler> logger) : ITaskHandler
{
    public string Kind => VolumeTasks.Unmount;

    public async Task RunAsync(TaskContext context, CancellationToken ct)
    {
        var payload = context.Payload<VolumeTaskPayload>();
        var (volumeId, instanceId, device) = (payload.VolumeId, payload.InstanceId!, payload.Device!);
        var agent = await VolumeAgents.ForInstanceAsync(volumes, agents, instanceId, ct);
        var disk = new RbdDisk { Image = VolumeAgents.RbdName(volumeId), Target = device };
        try
        {
            await agent.DetachDiskAsync(new DetachDiskRequest { OperationId = context.OperationId("detach"), Domain = instanceId, Target = device }, ct);
        }
        catch (AgentException e) when (e.Status == StatusCode.NotFound)
        {
            // No such disk (or domain): nothing is attached, which is what unmount wants.
        }
        catch (AgentException e)
        {
            // A lost answer with the disk gone is success; anything else leaves it attached.
            if (!TaskFailures.IsAmbiguous(e) || await VolumeAgents.HasDiskAsync(agent, instanceId, disk, ct) != false)
            {
                throw new TaskFailedException(TaskFailures.From(e, detaching: true));
            }
        }
        await volumes.SetAttachmentAsync(volumeId, VolumeStatus.Available, null, null, null, ct);
        LogUnmounted(volumeId, instanceId, device);
    }

    public async Task FailAsync(TaskContext context, TaskFailure failure, CancellationToken ct)
    {
        var payload = context.Payload<VolumeTaskPayload>();
        LogUnmountFailed(payload.VolumeId, payload.InstanceId!, failure.Message);
        await volumes.SetAttachmentAsync(payload.VolumeId, VolumeStatus.InUse, payload.InstanceId, payload.Device, failure.Message, CancellationToken.None);
    }

    [LoggerMessage(EventId = 1540, Level = LogLevel.Information, Message = "Volume {VolumeId} detached from {InstanceId} ({Device})")]
    private partial void LogUnmounted(string volumeId, string instanceId, string device);

    [LoggerMessage(EventId = 1541, Level = LogLevel.Warning, Message = "Detaching volume {VolumeId} from {InstanceId} failed, it stays attached: {Reason}")]
    private partial void LogUnmountFailed(string volumeId, string instanceId, string reason);
}

internal static class VolumeAgents
{
    public static string RbdName(string volumeId) => $"{StorageAgents.VolumesPool}/{volumeId}";

    public static async Task<AgentClient> ForInstanceAsync(VolumeStore volumes, AgentClients agents, string instanceId, CancellationToken ct) =>
        await volumes.HostEndpointAsync(instanceId, ct) is { } host
            ? agents.For(host.HostId, host.GrpcEndpoint)
            : throw new TaskFailedException(TaskFailureKind.Refused, $"instance {instanceId} is not placed on a host");

    /// <summary>Whether the domain has the disk; null when the agent cannot say.</summary>
    public static async Task<bool?> HasDiskAsync(AgentClient agent, string domain, RbdDisk disk, CancellationToken ct)
    {
        try
        {
            var found = await agent.GetDomainAsync(domain, ct);
            return found.Disks.Any(d => d.Target == disk.Target && d.Image == disk.Image);
        }
        catch (AgentException e) when (e.Status == StatusCode.NotFound)
        {
            return false;
        }
        catch (AgentException)
        {
            return null;
        }
    }
}

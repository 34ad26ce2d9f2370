using Microsoft.Extensions.Options;
using Platform.Controller.Api;
using Platform.Controller.Audit;
using Platform.Controller.Tasks;
using Platform.Controller.Volumes;

namespace Platform.Controller.Networks;

/// <summary>A NIC after an operation, and the task that carried it out (still running when it outlasted the wait).</summary>
internal sealed record NicOutcome(NicRecord Nic, string? TaskId);

internal static class NicTasks
{
    public const string Attach = "nic.attach";
    public const string Detach = "nic.detach";
}

/// <summary>Ip is null in payloads written before NICs carried their address to the agent.</summary>
internal sealed record NicTaskPayload(string NicId, string InstanceId, string Mac, string Bridge, string? Ip = null);

/// <summary>
/// Attach and detach run as tasks holding the NIC and the instance, like volume mount/unmount;
/// create and delete only touch the inventory.
/// </summary>
internal sealed partial class NicUseCases(NicStore nics, TaskRunner runner, IOptions<TaskOptions> options, IOptions<NetworkOptions> network, ILogger<NicUseCases> logger)
{
    public async Task<ApiResult<NicOutcome>> CreateAsync(string name, string describe, Caller caller, CancellationToken ct)
    {
        var nicId = ResourceIds.New(ResourceIds.Nic);
        try
        {
            var nic = await nics.CreateAsync(new NewNic(network.Value.Id, nicId, name, describe, null, NicStatus.Idle),
                new AuditEvent(AuditActions.NetworkCreate, nicId, caller, new { network_interface_name = name, network_id = network.Value.Id }), ct);
            LogCreated(nic.NicId, nic.Mac, nic.Ip);
            return new NicOutcome(nic, null);
        }
        catch (NoAddressLeftException e)
        {
            return new ApiError(ApiErrorCode.NoAddressLeft, e.Message);
        }
    }

    public async Task<ApiResult<NicOutcome>> AttachAsync(string nicId, string instanceId, Caller caller, CancellationToken ct)
    {
        var change = await nics.BeginChangeAsync(nicId, instanceId, ct);
        var started = await HotPlug.StartAsync(change, nicId, NotFound(nicId), instanceId, async (locked, instance) =>
        {
            var nic = locked.Nic;
            if (nic.Status != NicStatus.Idle || nic.InstanceId is not null)
            {
                return new ApiError(ApiErrorCode.NicInUse,
                    $"network interface {nicId} is {nic.Status}{(nic.InstanceId is null ? "" : $" on instance {nic.InstanceId}")}; attach needs it idle");
            }
            if (!instance.CanTakeDevices)
            {
                return ApiError.WrongState("instance", instanceId, instance.Status, "running or stopped on a host");
            }
            var audit = new AuditEvent(AuditActions.NetworkAttach, nicId, caller, new { instance_id = instanceId, mac = nic.Mac });
            var task = new NewTask(NicTasks.Attach, nicId, [nicId, instanceId], new NicTaskPayload(nicId, instanceId, nic.Mac, nic.Bridge, nic.Ip), audit);
            return await locked.StartTaskAsync(task, runner.Owner, runner.Lease, NicStatus.Attaching, instanceId, ct);
        });
        return started.Error is { } refused ? refused : await FinishAsync(nicId, started.Value!, ct);
    }

    public async Task<ApiResult<NicOutcome>> DetachAsync(string nicId, string instanceId, Caller caller, CancellationToken ct)
    {
        var change = await nics.BeginChangeAsync(nicId, instanceId, ct);
        var started = await HotPlug.StartAsync(change, nicId, NotFound(nicId), instanceId, async (locked, instance) =>
        {
            var nic = locked.Nic;
            // An error on the instance is an attach whose undo failed: detaching is its way out.
            if (nic.InstanceId != instanceId || nic.Status is not (NicStatus.Attached or NicStatus.Error))
            {
                return new ApiError(ApiErrorCode.InvalidState,
                    $"network interface {nicId} is {nic.Status}{(nic.InstanceId is null ? "" : $" on instance {nic.InstanceId}")}; detach needs it attached (or in error) on {instanceId}");
            }
            if (!instance.CanTakeDevices)
            {
                return ApiError.WrongState("instance", instanceId, instance.Status, "running or stopped on a host");
            }
            var audit = new AuditEvent(AuditActions.NetworkDetach, nicId, caller, new { instance_id = instanceId, mac = nic.Mac });
            var task = new NewTask(NicTasks.Detach, nicId, [nicId, instanceId], new NicTaskPayload(nicId, instanceId, nic.Mac, nic.Bridge, nic.Ip), audit);
            // Detaching keeps instance_id: until the agent confirms, the NIC is still in the domain.
            return await locked.StartTaskAsync(task, runner.Owner, runner.Lease, NicStatus.Detaching, instanceId, ct);
        });
        return started.Error is { } refused ? refused : await FinishAsync(nicId, started.Value!, ct);
    }

    /// <summary>Only an idle NIC goes; the answer is the NIC as it was, status "deleted".</summary>
    public async Task<ApiResult<NicOutcome>> DeleteAsync(string nicId, Caller caller, CancellationToken ct)
    {
        var nic = await nics.GetAsync(nicId, ct);
        if (nic is null)
        {
            return NotFound(nicId);
        }
        // The delete re-checks idleness itself: the NIC may have been attached — or deleted by a
        // parallel request — since the read; the answer says which, from a fresh read.
        if (nic.Status != NicStatus.Idle || !await nics.DeleteIdleAsync(nicId, new AuditEvent(AuditActions.NetworkDelete, nicId, caller, new { mac = nic.Mac, ip = nic.Ip }), ct))
        {
            var now = nic.Status == NicStatus.Idle ? await nics.GetAsync(nicId, ct) : nic;
            return now is null
                ? NotFound(nicId)
                : new ApiError(ApiErrorCode.NicInUse,
                    $"network interface {nicId} is {now.Status}{(now.InstanceId is null ? "" : $" on instance {now.InstanceId}")}; only an idle one can be deleted");
        }
        LogDeleted(nicId);
        return new NicOutcome(nic with { Status = "deleted" }, null);
    }

    private async Task<ApiResult<NicOutcome>> FinishAsync(string nicId, string taskId, CancellationToken ct)
    {
        if (await TaskFailures.RunAndWaitAsync(runner, taskId, options.Value.SynchronousWait, ct) is { } failed)
        {
            return failed with { Message = $"network interface {nicId}: {failed.Message}" };
        }
        var nic = await nics.GetAsync(nicId, ct);
        return nic is null ? NotFound(nicId) : new NicOutcome(nic, taskId);
    }

    private static ApiError NotFound(string nicId) => ApiError.NotFound(ApiErrorCode.NicNotFound, "network interface", nicId);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Network interface {NicId} created: MAC {Mac}, IP {Ip}")]
    private partial void LogCreated(string nicId, string mac, string ip);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Information, Message = "Network interface {NicId} deleted")]
    private partial void LogDeleted(string nicId);
}

using Microsoft.Extensions.Options;
using Platform.Controller.Agents;
using Platform.Controller.Api;
using Platform.Controller.Audit;
using Platform.Controller.Tasks;

namespace Platform.Controller.Volumes;

internal sealed record CreateVolume(string Name, int SizeGiB, string Describe, string? ImageId);

/// <summary>A volume after an operation, and the task that carried it out (still running when it outlasted the wait).</summary>
internal sealed record VolumeOutcome(VolumeRecord Volume, string TaskId);

/// <summary>
/// Volume operations run as tasks: the row changes state in the same commit as the task and its
/// resource locks, so two operations never interleave and a crash mid-way is resumed, not lost.
/// The request waits up to TaskOptions.SynchronousWait for the task.
/// </summary>
internal sealed partial class VolumeUseCases(
    VolumeStore volumes, StorageAgents storage, TaskRunner runner, IOptions<TaskOptions> options, ILogger<VolumeUseCases> logger)
{
    private static readonly string[] AttachedStatuses = [VolumeStatus.Attaching, VolumeStatus.InUse, VolumeStatus.Detaching];

    public async Task<ApiResult<VolumeOutcome>> CreateAsync(CreateVolume request, Caller caller, CancellationToken ct)
    {
        if (request.ImageId is { } imageId)
        {
            var image = await volumes.ImageAsync(imageId, ct);
            if (image is null)
            {
                return ApiError.NotFound(ApiErrorCode.ImageNotFound, "image", imageId);
            }
            if (image.Status != "available")
            {
                return ApiError.WrongState("image", imageId, image.Status, "available");
            }
            // A clone is never smaller than its parent: the agent grows clones, it does not shrink them.
            var minimumGiB = SizeLimits.VolumeGiBFor(image.ImageSize);
            if (minimumGiB > SizeLimits.MaxVolumeGiB)
            {
                return ApiError.Validation([new FieldError("image_id", $"image {imageId} ({minimumGiB} GiB) is larger than the largest volume ({SizeLimits.MaxVolumeGiB} GiB)")]);
            }
            if (request.SizeGiB < minimumGiB)
            {
                return ApiError.Validation([new FieldError("volume_size", $"must be at least {minimumGiB} (the size of image {imageId} in GiB)")]);
            }
        }
        // Refuse before recording anything when no agent could do the work.
        if ((await storage.AnyAsync(ct)).Error is { } noHost)
        {
            return noHost;
        }
        var volumeId = ResourceIds.New(ResourceIds.Volume);
        var volume = new VolumeRecord(volumeId, request.Name, request.SizeGiB, request.ImageId, null, null, false, VolumeStatus.Creating, null, request.Describe, 0);
        var audit = new AuditEvent(AuditActions.VolumeCreate, volumeId, caller, new { volume_name = request.Name, volume_size = request.SizeGiB, image_id = request.ImageId });
        var task = new NewTask(VolumeTasks.Create, volumeId, [volumeId], new VolumeTaskPayload(volumeId), audit);
        var taskId = await volumes.InsertWithTaskAsync(volume, task, runner.Owner, runner.Lease, ct);
        if (taskId is null)
        {
            return ApiError.NotFound(ApiErrorCode.ImageNotFound, "image", request.ImageId!);
        }
        LogCreating(volumeId, request.SizeGiB, request.ImageId, taskId);
        return await FinishAsync(volumeId, taskId, ct);
    }

    public async Task<ApiResult<VolumeOutcome>> MountAsync(string volumeId, string instanceId, Caller caller, CancellationToken ct)
    {
        var change = await volumes.BeginChangeAsync(volumeId, instanceId, ct);
        var started = await HotPlug.StartAsync(change, volumeId, NotFound(volumeId), instanceId, async (locked, instance) =>
        {
            var volume = locked.Volume;
            if (AttachedStatuses.Contains(volume.Status) || volume.InstanceId is not null)
            {
                return new ApiError(ApiErrorCode.VolumeInUse, $"volume {volumeId} is {volume.Status} on instance {volume.InstanceId}");
            }
            if (volume.Status != VolumeStatus.Available)
            {
                return ApiError.WrongState("volume", volumeId, volume.Status, VolumeStatus.Available);
            }
            if (!instance.CanTakeDevices)
            {
                return ApiError.WrongState("instance", instanceId, instance.Status, "running or stopped on a host");
            }
            var device = VolumeDevices.NextFree(locked.UsedDevices);
            if (device is null)
            {
                return new ApiError(ApiErrorCode.InvalidState, $"instance {instanceId} has no free disk device (vdb..vdz are all in use)");
            }
            var audit = new AuditEvent(AuditActions.VolumeMount, volumeId, caller, new { instance_id = instanceId, device });
            var task = new NewTask(VolumeTasks.Mount, volumeId, [volumeId, instanceId], new VolumeTaskPayload(volumeId, instanceId, device), audit);
            return await locked.StartTaskAsync(task, runner.Owner, runner.Lease, VolumeStatus.Attaching, instanceId, device, ct);
        });
        return started.Error is { } refused ? refused : await FinishAsync(volumeId, started.Value!, ct);
    }

    public async Task<ApiResult<VolumeOutcome>> UnmountAsync(string volumeId, string instanceId, Caller caller, CancellationToken ct)
    {
        var change = await volumes.BeginChangeAsync(volumeId, instanceId, ct);
        var started = await HotPlug.StartAsync(change, volumeId, NotFound(volumeId), instanceId, async (locked, instance) =>
        {
            var volume = locked.Volume;
            // A volume in error on the instance (a mount or unmount that ended unsure) may still be
            // attached: unmount is its way out, and finds out.
            if (volume.InstanceId != instanceId || volume.Status is not (VolumeStatus.InUse or VolumeStatus.Error) || volume.Device is null)
            {
                return new ApiError(ApiErrorCode.InvalidState,
                    $"volume {volumeId} is {volume.Status}{(volume.InstanceId is null ? "" : $" on instance {volume.InstanceId}")}; unmount needs it in-use (or in error) on {instanceId}");
            }
            if (volume.IsBoot)
            {
                return new ApiError(ApiErrorCode.VolumeInUse, $"volume {volumeId} is the boot volume of instance {instanceId}; it leaves with the instance");
            }
            if (!instance.CanTakeDevices)
            {
                return ApiError.WrongState("instance", instanceId, instance.Status, "running or stopped on a host");
            }
            var audit = new AuditEvent(AuditActions.VolumeUnmount, volumeId, caller, new { instance_id = instanceId, device = volume.Device });
            var task = new NewTask(VolumeTasks.Unmount, volumeId, [volumeId, instanceId], new VolumeTaskPayload(volumeId, instanceId, volume.Device), audit);
            // Detaching keeps instance_id and device: until the agent confirms, the disk is still there.
            return await locked.StartTaskAsync(task, runner.Owner, runner.Lease, VolumeStatus.Detaching, instanceId, volume.Device, ct);
        });
        return started.Error is { } refused ? refused : await FinishAsync(volumeId, started.Value!, ct);
    }

    /// <summary>Removes the RBD image, then the row; the answer is the volume as it was, status "deleted".</summary>
    public async Task<ApiResult<VolumeOutcome>> DeleteAsync(string volumeId, Caller caller, CancellationToken ct)
    {
        string taskId;
        VolumeRecord volume;
        await using (var change = await volumes.BeginChangeAsync(volumeId, null, ct))
        {
            if (change is null)
            {
                return NotFound(volumeId);
            }
            volume = change.Volume;
            if (volume.IsBoot)
            {
                return new ApiError(ApiErrorCode.VolumeInUse, $"volume {volumeId} is the boot volume of instance {volume.InstanceId}; destroy the instance instead");
            }
            if (AttachedStatuses.Contains(volume.Status) || volume.InstanceId is not null)
            {
                return new ApiError(ApiErrorCode.VolumeInUse, $"volume {volumeId} is {volume.Status} on instance {volume.InstanceId}; unmount it first");
            }
            if (volume.Status is VolumeStatus.Creating or VolumeStatus.Deleting)
            {
                return ApiError.Busy(volumeId);
            }
            var task = new NewTask(VolumeTasks.Delete, volumeId, [volumeId], new VolumeTaskPayload(volumeId, Previous: volume.Status), new AuditEvent(AuditActions.VolumeDelete, volumeId, caller));
            var started = await change.StartTaskAsync(task, runner.Owner, runner.Lease, VolumeStatus.Deleting, null, null, ct);
            if (started is null)
            {
                return ApiError.Busy(volumeId);
            }
            taskId = started;
        }
        if (await TaskFailures.RunAndWaitAsync(runner, taskId, options.Value.SynchronousWait, ct) is { } failed)
        {
            return failed with { Message = $"volume {volumeId}: {failed.Message}" };
        }
        var remaining = await volumes.GetAsync(volumeId, ct);
        LogDeleted(volumeId, remaining is null);
        return new VolumeOutcome(remaining ?? volume with { Status = "deleted", Error = null }, taskId);
    }

    private async Task<ApiResult<VolumeOutcome>> FinishAsync(string volumeId, string taskId, CancellationToken ct)
    {
        if (await TaskFailures.RunAndWaitAsync(runner, taskId, options.Value.SynchronousWait, ct) is { } failed)
        {
            return failed with { Message = $"volume {volumeId}: {failed.Message}" };
        }
        var volume = await volumes.GetAsync(volumeId, ct);
        return volume is null ? NotFound(volumeId) : new VolumeOutcome(volume, taskId);
    }

    private static ApiError NotFound(string volumeId) => ApiError.NotFound(ApiErrorCode.VolumeNotFound, "volume", volumeId);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Creating volume {VolumeId} ({SizeGiB} GiB, from image {ImageId}) in task {TaskId}")]
    private partial void LogCreating(string volumeId, int sizeGiB, string? imageId, string taskId);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Information, Message = "Volume {VolumeId} deletion finished (row gone: {Gone})")]
    private partial void LogDeleted(string volumeId, bool gone);
}

using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Controller.Agents;
using Platform.Controller.Api;
using Platform.Controller.Audit;
using Platform.Controller.Hosts;
using Platform.Controller.Networks;
using Platform.Controller.Tasks;
using Platform.Controller.Volumes;

namespace Platform.Controller.Instances;

/// <summary>
/// Instance create, the synchronous half: checks what the request names, places the instance,
/// writes the instance, its volumes and NICs and the task in one transaction (so a refusal
/// changes nothing), then starts the task that does the slow work.
/// </summary>
internal sealed partial class InstanceCreation(
    NpgsqlDataSource dataSource, Scheduler scheduler, TaskRunner runner, IOptions<NetworkOptions> network, ILogger<InstanceCreation> logger)
{
    public const string TaskKind = "instance.create";

    public async Task<ApiResult<InstanceCreated>> CreateAsync(CreateInstance request, Caller caller, CancellationToken ct)
    {
        var instanceId = ResourceIds.New(ResourceIds.Instance);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var imageStatus = await InstanceCreationStore.LockImageAsync(connection, transaction, request.ImageId, ct);
        if (imageStatus is null)
        {
            return ApiError.NotFound(ApiErrorCode.ImageNotFound, "image", request.ImageId);
        }
        if (imageStatus != "available")
        {
            return ApiError.WrongState("image", request.ImageId, imageStatus, "available");
        }
        var imageBytes = await InstanceCreationStore.ImageSizeAsync(connection, transaction, request.ImageId, ct);
        var minimumBootGib = (int)Math.Min(SizeLimits.VolumeGiBFor(imageBytes), int.MaxValue);
        if (minimumBootGib > SizeLimits.MaxVolumeGiB)
        {
            return ApiError.Validation([new FieldError("image_id", $"image {request.ImageId} ({minimumBootGib} GiB) is larger than the largest boot volume ({SizeLimits.MaxVolumeGiB} GiB)")]);
        }
        if (request.BootVolumeGib is { } asked && asked < minimumBootGib)
        {
            return ApiError.Validation([new FieldError("boot_volume_size", $"must be at least {minimumBootGib} GiB, the size of image {request.ImageId}")]);
        }

        var volumes = await InstanceCreationStore.LockVolumesAsync(connection, transaction, request.ExistingVolumeIds, ct);
        var nics = await InstanceCreationStore.LockNicsAsync(connection, transaction, request.ExistingNicIds, ct);
        if (CheckTaken(request, volumes, nics) is { } refused)
        {
            return refused;
        }

        await InstanceCreationStore.InsertInstanceAsync(connection, transaction, instanceId, request, ct);
        var placement = await scheduler.PlaceAsync(connection, transaction, instanceId, request.Cpu, request.MemoryMib, ct);
        if (placement is null)
        {
            return new ApiError(ApiErrorCode.NoHostAvailable, $"no up host has {request.Cpu} vCPUs and {request.MemoryMib} MiB free");
        }

        var bootVolumeId = ResourceIds.New(ResourceIds.Volume);
        await InstanceCreationStore.InsertVolumeAsync(connection, transaction, bootVolumeId, BootVolumeName(request.Name),
            request.BootVolumeGib ?? minimumBootGib, request.ImageId, instanceId, "vda", isBoot: true, "", ct);
        var usedDevices = new List<string> { "vda" };
        var createdVolumes = new List<string>();
        foreach (var volume in request.NewVolumes)
        {
            var device = VolumeDevices.NextFree(usedDevices)!;
            usedDevices.Add(device);
            var volumeId = ResourceIds.New(ResourceIds.Volume);
            await InstanceCreationStore.InsertVolumeAsync(connection, transaction, volumeId, volume.Name, volume.SizeGib, null, instanceId, device, isBoot: false, volume.Describe, ct);
            createdVolumes.Add(volumeId);
        }
        foreach (var volumeId in request.ExistingVolumeIds)
        {
            var device = VolumeDevices.NextFree(usedDevices)!;
            usedDevices.Add(device);
            await InstanceCreationStore.TakeVolumeAsync(connection, transaction, volumeId, instanceId, device, ct);
        }

        var createdNics = new List<string>();
        foreach (var nic in request.NewNics)
        {
            NicRecord created;
            try
            {
                created = await NicAllocator.InsertAsync(connection, transaction, new NewNic(network.Value.Id, ResourceIds.New(ResourceIds.Nic), nic.Name, nic.Describe, instanceId, "attaching"), ct);
            }
            catch (NoAddressLeftException e)
            {
                return new ApiError(ApiErrorCode.NoAddressLeft, e.Message);
            }
            createdNics.Add(created.NicId);
        }
        foreach (var nicId in request.ExistingNicIds)
        {
            await InstanceCreationStore.TakeNicAsync(connection, transaction, nicId, instanceId, ct);
        }

        var payload = new CreateInstancePayload(bootVolumeId, createdVolumes, request.ExistingVolumeIds, createdNics, request.ExistingNicIds);
        var locks = new[] { instanceId, bootVolumeId }.Concat(createdVolumes).Concat(request.ExistingVolumeIds).Concat(createdNics).Concat(request.ExistingNicIds).ToList();
        var audit = new AuditEvent(AuditActions.InstanceCreate, instanceId, caller,
            new { instance_name = request.Name, image_id = request.ImageId, cpu = request.Cpu, memory = request.MemoryMib, host_id = placement.HostId });
        var taskId = await TaskStore.TryCreateAsync(connection, transaction, new NewTask(TaskKind, instanceId, locks, payload, audit), runner.Owner, runner.Lease, ct);
        if (taskId is null)
        {
            return new ApiError(ApiErrorCode.ResourceBusy, "a volume or network interface of this request has another operation in progress; try again when it has finished");
        }
        await transaction.CommitAsync(ct);
        LogAccepted(instanceId, taskId, placement.HostId);
        await runner.StartAsync(taskId, ct);
        return new InstanceCreated(instanceId, taskId, InstanceStatus.Creating, placement.HostId, placement.HostIp);
    }

    private static ApiError? CheckTaken(CreateInstance request, Dictionary<string, string> volumes, Dictionary<string, string> nics)
    {
        foreach (var id in request.ExistingVolumeIds)
        {
            if (!volumes.TryGetValue(id, out var status))
            {
                return ApiError.NotFound(ApiErrorCode.VolumeNotFound, "volume", id);
            }
            if (status != "available")
            {
                return new ApiError(ApiErrorCode.VolumeInUse, $"volume {id} is {status}; only an available volume can be attached");
            }
        }
        foreach (var id in request.ExistingNicIds)
        {
            if (!nics.TryGetValue(id, out var status))
            {
                return ApiError.NotFound(ApiErrorCode.NicNotFound, "network interface", id);
            }
            if (status != "idle")
            {
                return new ApiError(ApiErrorCode.NicInUse, $"network interface {id} is {status}; only an idle one can be attached");
            }
        }
        return null;
    }

    private static string BootVolumeName(string instanceName) =>
        (instanceName.Length > 59 ? instanceName[..59] : instanceName) + "-boot";

    [LoggerMessage(EventId = 1701, Level = LogLevel.Information, Message = "Instance {InstanceId} accepted: task {TaskId} on host {HostId}")]
    private partial void LogAccepted(string instanceId, string taskId, string hostId);
}

namespace Platform.Controller.Volumes;

/// <summary>A row of volumes; volume_size is GiB, create_time unix seconds.</summary>
internal sealed record VolumeRecord(
    string VolumeId,
    string VolumeName,
    int VolumeSize,
    string? ImageId,
    string? InstanceId,
    string? Device,
    bool IsBoot,
    string Status,
    string? Error,
    string Describe,
    long CreateTime)
{
    public const string Columns =
        "volume_id, volume_name, volume_size, image_id, instance_id, device, is_boot, status, error, describe, extract(epoch FROM create_time)::bigint AS create_time";
}

internal static class VolumeStatus
{
    public const string Creating = "creating";
    public const string Available = "available";
    public const string Attaching = "attaching";
    public const string InUse = "in-use";
    public const string Detaching = "detaching";
    public const string Deleting = "deleting";
    public const string Error = "error";
}

/// <summary>The instance a device is hot-plugged into: it must be placed (HostId) and running or stopped.</summary>
internal sealed record AttachTarget(string InstanceId, string Status, string? HostId)
{
    public bool CanTakeDevices => Status is "running" or "stopped" && HostId is not null;
}

internal static class VolumeTasks
{
    public const string Create = "volume.create";
    public const string Mount = "volume.mount";
    public const string Unmount = "volume.unmount";
    public const string Delete = "volume.delete";
}

/// <summary>The payload of every volume task: what the handler needs beyond the row.</summary>
/// <remarks>Previous: the status a delete started from, what a delete that changed nothing returns the volume to.</remarks>
internal sealed record VolumeTaskPayload(string VolumeId, string? InstanceId = null, string? Device = null, string? Previous = null);

/// <summary>The image a volume is cloned from; ImageSize is bytes.</summary>
internal sealed record SourceImage(string ImageId, string Status, long ImageSize);

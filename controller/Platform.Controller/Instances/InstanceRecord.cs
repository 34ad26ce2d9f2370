namespace Platform.Controller.Instances;

internal sealed record InstanceRecord(
    string InstanceId,
    string InstanceName,
    Guid Uuid,
    string Status,
    string? Error,
    string? HostId,
    string? HostIp,
    string? GrpcEndpoint,
    string ImageId,
    int Cpu,
    int Memory,
    string Describe,
    long CreateTime,
    bool IsAllowHeterogeneous,
    string? StatusReason);

internal static class InstanceStatus
{
    public const string Creating = "creating";
    public const string Running = "running";
    public const string Stopped = "stopped";
    public const string Starting = "starting";
    public const string Stopping = "stopping";
    public const string Destroying = "destroying";
    public const string Error = "error";

    /// <summary>The host reports the domain paused (I/O error, guest or emulation crash, watchdog): status_reason says why.</summary>
    public const string Paused = "paused";

    /// <summary>The host reports the domain crashed (or off after a crash): status_reason says why.</summary>
    public const string Crashed = "crashed";

    /// <summary>What a domain state the host reports makes of an instance; null for states that say nothing (unknown).</summary>
    public static string? Of(Platform.Contracts.Agent.V1.DomainState state) => state switch
    {
        Platform.Contracts.Agent.V1.DomainState.Running or Platform.Contracts.Agent.V1.DomainState.ShuttingDown => Running,
        Platform.Contracts.Agent.V1.DomainState.Paused => Paused,
        Platform.Contracts.Agent.V1.DomainState.Crashed => Crashed,
        Platform.Contracts.Agent.V1.DomainState.ShutOff => Stopped,
        _ => null,
    };
}

/// <summary>A volume as an instance lists it: every column of the seed's detail query (volume_name, volume_size, instance_id, describe, create_time) and more.</summary>
internal sealed record InstanceVolume(
    string VolumeId, string VolumeName, int VolumeSize, string? Device, bool IsBoot, string Status, string? InstanceId, string Describe, long CreateTime);

/// <summary>A network interface as an instance lists it, with the seed's names (network_interface_name, instance_id, ip, mac, status, create_time).</summary>
internal sealed record InstanceNic(
    string NetworkInterfaceId, string NetworkInterfaceName, string Mac, string Ip, string Bridge, string Status, string? InstanceId, long CreateTime);

/// <summary>An instance as the console sees it (list, search, detail).</summary>
internal sealed record InstanceView(
    string InstanceId,
    string InstanceName,
    string Status,
    string? Error,
    string Ip,
    string HostIp,
    string? HostId,
    int Cpu,
    int Memory,
    string ImageId,
    IReadOnlyList<InstanceNic> Nics,
    IReadOnlyList<InstanceVolume> Volumes,
    string Describe,
    long CreateTime,
    bool IsAllowHeterogeneous,
    string? StatusReason)
{
    /// <param name="r">Its template's heterogeneity comes with it: a desktop of a template with drivers is heterogeneous (seed 003).</param>
    public static InstanceView From(InstanceRecord r, IReadOnlyList<InstanceVolume> volumes, IReadOnlyList<InstanceNic> nics) =>
        new(r.InstanceId, r.InstanceName, r.Status, r.Error, (nics.Count > 0 ? nics[0].Ip : ""), r.HostIp ?? "", r.HostId,
            r.Cpu, r.Memory, r.ImageId, nics, volumes, r.Describe, r.CreateTime, r.IsAllowHeterogeneous, r.StatusReason);
}

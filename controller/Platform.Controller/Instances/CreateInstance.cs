namespace Platform.Controller.Instances;

/// <summary>A validated instance-create request.</summary>
internal sealed record CreateInstance(
    string Name,
    string ImageId,
    int Cpu,
    int MemoryMib,
    int? BootVolumeGib,
    IReadOnlyList<NewDataVolume> NewVolumes,
    IReadOnlyList<string> ExistingVolumeIds,
    IReadOnlyList<NewNicRequest> NewNics,
    IReadOnlyList<string> ExistingNicIds,
    string Describe);

internal sealed record NewDataVolume(string Name, int SizeGib, string Describe);

internal sealed record NewNicRequest(string Name, string Describe);

/// <summary>What an instance-create task made and took, so that a failure can undo exactly that.</summary>
internal sealed record CreateInstancePayload(
    string BootVolumeId,
    IReadOnlyList<string> CreatedVolumeIds,
    IReadOnlyList<string> ExistingVolumeIds,
    IReadOnlyList<string> CreatedNicIds,
    IReadOnlyList<string> ExistingNicIds);

/// <summary>The answer of instance create: it returns at once, the task carries on.</summary>
internal sealed record InstanceCreated(string InstanceId, string TaskId, string Status, string HostId, string HostIp);

namespace Platform.Controller.Hosts;

internal sealed record HostRecord(
    string HostId,
    string Hostname,
    string GrpcEndpoint,
    string HostIp,
    int Cpus,
    long MemoryBytes,
    long MemoryFreeBytes,
    int RunningDomains,
    string AgentVersion,
    string Status,
    DateTime RegisteredAt,
    DateTime LastHeartbeat,
    string DomainType,
    string DomainTypeReason);

/// <summary>Where an instance was placed.</summary>
internal sealed record Placement(string HostId, string GrpcEndpoint, string HostIp);

namespace Platform.Controller.Networks;

/// <summary>
/// A row of network_interfaces with its network's bridge and its instance's name. Mac is
/// "52:54:00:xx:xx:xx", Ip the bare address; times are unix seconds.
/// </summary>
internal sealed record NicRecord(
    string NicId,
    string NicName,
    string NetworkId,
    string Bridge,
    string Mac,
    string Ip,
    string? InstanceId,
    string? InstanceName,
    string Status,
    string? Error,
    string Describe,
    long? AttachTime,
    long CreateTime)
{
    /// <summary>The SELECT list matching the constructor (Dapper maps by position), over network_interfaces x, networks n, instances i.</summary>
    public const string Columns =
        """
        x.nic_id, x.nic_name, x.network_id, n.bridge, x.mac::text AS mac, host(x.ip) AS ip, x.instance_id, i.instance_name,
        x.status, x.error, x.describe, extract(epoch FROM x.attach_time)::bigint AS attach_time, extract(epoch FROM x.create_time)::bigint AS create_time
        """;

    public const string From =
        "network_interfaces x JOIN networks n ON n.network_id = x.network_id LEFT JOIN instances i ON i.instance_id = x.instance_id";
}

internal static class NicStatus
{
    public const string Idle = "idle";
    public const string Attaching = "attaching";
    public const string Attached = "attached";
    public const string Detaching = "detaching";
    public const string Error = "error";
}

/// <summary>A NIC to create: <paramref name="InstanceId"/> set when it is made for an instance being created.</summary>
/// <summary>A NIC to insert: its network (NetworkOptions.Id, the configured one) and who holds it.</summary>
internal sealed record NewNic(string NetworkId, string NicId, string Name, string Describe, string? InstanceId, string Status);

/// <summary>Every address of the network's range is taken: the use case answers ApiErrorCode.NoAddressLeft.</summary>
internal sealed class NoAddressLeftException(string networkId)
    : Exception($"network {networkId} has no free address left in its range")
{
    public string NetworkId { get; } = networkId;
}

using Dapper;
using Npgsql;
using Platform.Controller.Inventory;

namespace Platform.Controller.Instances;

/// <summary>Reads of instances and the volumes and NICs they hold.</summary>
internal sealed class InstanceStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        """
        i.instance_id, i.instance_name, i.uuid, i.status, i.error, i.host_id, h.host_ip, h.grpc_endpoint, i.image_id,
        i.cpu, i.memory, i.describe, extract(epoch FROM i.create_time)::bigint AS create_time
        """;

    private const string VolumeColumns = "volume_id, volume_name, volume_size, device, is_boot, status, instance_id";

    private const string NicColumns =
        "n.nic_id, n.nic_name, n.mac::text AS mac, host(n.ip) AS ip, w.bridge, n.status, n.instance_id";

    public async Task<InstanceRecord?> GetAsync(string instanceId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<InstanceRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM instances i LEFT JOIN hosts h ON h.host_id = i.host_id WHERE i.instance_id = @instanceId",
            new { instanceId }, cancellationToken: ct));
    }

    /// <summary>
    /// A filtered page and the total, in one round trip. The page's keys are found first and
    /// only those 20-odd rows are joined with their hosts (a deferred join), so deep pages do
    /// not join every row they skip.
    /// </summary>
    public async Task<(long Total, IReadOnlyList<InstanceRecord> Items)> SearchAsync(InstanceFilter filter, int offset, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var parameters = new
        {
            pattern = SqlPatterns.Contains(filter.Name),
            filter.InstanceId,
            filter.Status,
            filter.HostIp,
            filter.ImageId,
            filter.Ip,
            offset,
            limit,
        };
        const string Where =
            """
            WHERE (@pattern::text IS NULL OR lower(i.instance_name) LIKE @pattern)
              AND (@InstanceId::text IS NULL OR i.instance_id = @InstanceId)
              AND (@Status::text IS NULL OR i.status = @Status)
              AND (@HostIp::text IS NULL OR EXISTS (SELECT 1 FROM hosts h WHERE h.host_id = i.host_id AND h.host_ip = @HostIp))
              AND (@ImageId::text IS NULL OR i.image_id = @ImageId)
              AND (@Ip::inet IS NULL OR EXISTS (SELECT 1 FROM network_interfaces n WHERE n.instance_id = i.instance_id AND n.ip = @Ip::inet))
            """;
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT count(*) FROM instances i {Where};
            SELECT {Columns}
            FROM (SELECT i.instance_id FROM instances i {Where} ORDER BY i.create_time DESC, i.instance_id LIMIT @limit OFFSET @offset) page
            JOIN instances i ON i.instance_id = page.instance_id
            LEFT JOIN hosts h ON h.host_id = i.host_id
            ORDER BY i.create_time DESC, i.instance_id;
            """, parameters, cancellationToken: ct));
        var total = await results.ReadSingleAsync<long>();
        var items = await results.ReadAsync<InstanceRecord>();
        return (total, items.AsList());
    }

    /// <summary>The volumes and NICs of the given instances, in one round trip each.</summary>
    public async Task<(ILookup<string, InstanceVolume> Volumes, ILookup<string, InstanceNic> Nics)> DevicesOfAsync(IReadOnlyCollection<string> instanceIds, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var ids = instanceIds.ToArray();
        var volumes = await connection.QueryAsync<InstanceVolume>(new CommandDefinition(
            $"SELECT {VolumeColumns} FROM volumes WHERE instance_id = ANY(@ids) ORDER BY is_boot DESC, device, volume_id", new { ids }, cancellationToken: ct));
        var nics = await connection.QueryAsync<InstanceNic>(new CommandDefinition(
            $"SELECT {NicColumns} FROM network_interfaces n JOIN networks w ON w.network_id = n.network_id WHERE n.instance_id = ANY(@ids) ORDER BY n.create_time, n.nic_id",
            new { ids }, cancellationToken: ct));
        return (volumes.ToLookup(v => v.InstanceId!, StringComparer.Ordinal), nics.ToLookup(n => n.InstanceId!, StringComparer.Ordinal));
    }
}

internal sealed record InstanceFilter(string? Name, string? InstanceId, string? Status, string? HostIp, string? ImageId, string? Ip);

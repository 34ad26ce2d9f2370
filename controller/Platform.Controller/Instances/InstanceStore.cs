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
        i.cpu, i.memory, i.describe, extract(epoch FROM i.create_time)::bigint AS create_time,
        (SELECT im.is_allow_heterogeneous FROM images im WHERE im.image_id = i.image_id) AS is_allow_heterogeneous,
        i.status_reason
        """;

    private const string VolumeColumns =
        "volume_id, volume_name, volume_size, device, is_boot, status, instance_id, describe, extract(epoch FROM create_time)::bigint AS create_time";

    private const string NicColumns =
        """
        n.nic_id AS network_interface_id, n.nic_name AS network_interface_name, n.mac::text AS mac, host(n.ip) AS ip, w.bridge, n.status, n.instance_id,
        extract(epoch FROM n.create_time)::bigint AS create_time
        """;

    public async Task<InstanceRecord?> GetAsync(string instanceId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<InstanceRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM instances i LEFT JOIN hosts h ON h.host_id = i.host_id WHERE i.instance_id = @instanceId",
            new { instanceId }, cancellationToken: ct));
    }

    private static readonly ListQuery List = new(
        "instances", "i", "instance_id", "instance_name_suffixes", Columns, "LEFT JOIN hosts h ON h.host_id = i.host_id");

    /// <summary>A filtered page and the total, in one statement (see <see cref="ListQuery"/>).</summary>
    public async Task<(long Total, IReadOnlyList<InstanceRecord> Items)> SearchAsync(InstanceFilter filter, int offset, int limit, CancellationToken ct)
    {
        var clauses = new List<string>();
        if (filter.InstanceId is not null)
        {
            clauses.Add("i.instance_id = @InstanceId");
        }
        if (filter.Status is not null)
        {
            clauses.Add("i.status = @Status");
        }
        if (filter.HostIp is not null)
        {
            clauses.Add("i.host_id IN (SELECT h.host_id FROM hosts h WHERE h.host_ip = @HostIp)");
        }
        if (filter.ImageId is not null)
        {
            clauses.Add("i.image_id = @ImageId");
        }
        if (filter.Ip is not null)
        {
            clauses.Add("i.instance_id IN (SELECT n.instance_id FROM network_interfaces n WHERE n.ip = @Ip::inet)");
        }
        var sql = List.Build(byName: !string.IsNullOrEmpty(filter.Name), clauses);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var (total, items) = await sql.ReadAsync<InstanceRecord>(connection, new
        {
            name = filter.Name,
            filter.InstanceId,
            filter.Status,
            filter.HostIp,
            filter.ImageId,
            filter.Ip,
            offset,
            limit,
        }, offset, ct);
        return (total, items);
    }

    /// <summary>The volumes and NICs of the given instances, in one round trip.</summary>
    public async Task<(ILookup<string, InstanceVolume> Volumes, ILookup<string, InstanceNic> Nics)> DevicesOfAsync(IReadOnlyCollection<string> instanceIds, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT {VolumeColumns} FROM volumes WHERE instance_id = ANY(@ids) ORDER BY is_boot DESC, device, volume_id;
            SELECT {NicColumns} FROM network_interfaces n JOIN networks w ON w.network_id = n.network_id WHERE n.instance_id = ANY(@ids) ORDER BY n.create_time, n.nic_id;
            """, new { ids = instanceIds.ToArray() }, cancellationToken: ct));
        var volumes = await results.ReadAsync<InstanceVolume>();
        var nics = await results.ReadAsync<InstanceNic>();
        return (volumes.ToLookup(v => v.InstanceId!, StringComparer.Ordinal), nics.ToLookup(n => n.InstanceId!, StringComparer.Ordinal));
    }
}

internal sealed record InstanceFilter(string? Name, string? InstanceId, string? Status, string? HostIp, string? ImageId, string? Ip);

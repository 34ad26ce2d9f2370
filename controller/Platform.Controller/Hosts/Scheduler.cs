using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Platform.Controller.Hosts;

/// <summary>
/// Places instances on up hosts by free CPU and memory (capacity × overcommit minus what the
/// inventory already placed there). Placement runs under a transaction-scoped advisory lock so
/// two replicas placing at once see each other's choices.
/// </summary>
internal sealed class Scheduler(IOptions<HostsOptions> options)
{
    // "schedule" in ASCII; distinct from the migration lock.
    private const long PlacementLockKey = 0x7363686564756c65;

    /// <summary>Picks a host for the instance and records it on the instance row; null when none fits.</summary>
    public async Task<Placement?> PlaceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string instanceId, int cpu, int memoryMib, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@PlacementLockKey)", new { PlacementLockKey }, transaction, cancellationToken: ct));
        var placement = await connection.QueryFirstOrDefaultAsync<Placement>(new CommandDefinition(
            """
            SELECT h.host_id, h.grpc_endpoint, h.host_ip
            FROM hosts h
            LEFT JOIN instances i ON i.host_id = h.host_id AND i.instance_id <> @instanceId
            WHERE h.status = 'up'
            GROUP BY h.host_id
            HAVING h.cpus * @cpuOvercommit - COALESCE(sum(i.cpu), 0) >= @cpu
               AND h.memory_bytes / 1048576.0 * @memoryOvercommit - COALESCE(sum(i.memory), 0) >= @memoryMib
            ORDER BY h.memory_bytes / 1048576.0 * @memoryOvercommit - COALESCE(sum(i.memory), 0) DESC,
                     h.cpus * @cpuOvercommit - COALESCE(sum(i.cpu), 0) DESC,
                     h.host_id
            LIMIT 1
            """,
            new { instanceId, cpu, memoryMib, cpuOvercommit = options.Value.CpuOvercommit, memoryOvercommit = options.Value.MemoryOvercommit },
            transaction, cancellationToken: ct));
        if (placement is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE instances SET host_id = @HostId WHERE instance_id = @instanceId",
                new { placement.HostId, instanceId }, transaction, cancellationToken: ct));
        }
        return placement;
    }
}

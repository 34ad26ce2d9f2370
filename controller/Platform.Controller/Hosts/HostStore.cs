using Dapper;
using Npgsql;

namespace Platform.Controller.Hosts;

internal sealed class HostStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "host_id, hostname, grpc_endpoint, host_ip, cpus, memory_bytes, memory_free_bytes, running_domains, agent_version, status, registered_at, last_heartbeat, domain_type, domain_type_reason";

    public async Task UpsertAsync(HostRegistration registration, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hosts (host_id, hostname, grpc_endpoint, host_ip, cpus, memory_bytes, memory_free_bytes, agent_version, domain_type, domain_type_reason, status)
            VALUES (@HostId, @Hostname, @GrpcEndpoint, @HostIp, @Cpus, @MemoryBytes, @MemoryFreeBytes, @AgentVersion, @DomainType, @DomainTypeReason, 'up')
            ON CONFLICT (host_id) DO UPDATE SET
                hostname = excluded.hostname, grpc_endpoint = excluded.grpc_endpoint, host_ip = excluded.host_ip,
                cpus = excluded.cpus, memory_bytes = excluded.memory_bytes, memory_free_bytes = excluded.memory_free_bytes,
                agent_version = excluded.agent_version, domain_type = excluded.domain_type, domain_type_reason = excluded.domain_type_reason,
                status = 'up', registered_at = now(), last_heartbeat = now()
            """, registration, cancellationToken: ct));
    }

    /// <summary>False when the host is not registered.</summary>
    public async Task<bool> HeartbeatAsync(string hostId, long memoryFreeBytes, int runningDomains, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hosts SET last_heartbeat = now(), memory_free_bytes = @memoryFreeBytes, running_domains = @runningDomains, status = 'up'
            WHERE host_id = @hostId
            """, new { hostId, memoryFreeBytes, runningDomains }, cancellationToken: ct));
        return updated == 1;
    }

    /// <summary>Marks hosts whose last heartbeat is older than <paramref name="silence"/> as down; returns them.</summary>
    public async Task<IReadOnlyList<string>> MarkSilentHostsDownAsync(TimeSpan silence, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var hosts = await connection.QueryAsync<string>(new CommandDefinition(
            """
            UPDATE hosts SET status = 'down'
            WHERE status = 'up' AND last_heartbeat < now() - make_interval(secs => @seconds)
            RETURNING host_id
            """, new { seconds = silence.TotalSeconds }, cancellationToken: ct));
        return hosts.AsList();
    }

    public async Task<HostRecord?> GetAsync(string hostId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<HostRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM hosts WHERE host_id = @hostId", new { hostId }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<HostRecord>> ListAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var hosts = await connection.QueryAsync<HostRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM hosts ORDER BY host_id", cancellationToken: ct));
        return hosts.AsList();
    }

    /// <summary>
    /// An up host for pool-wide work (RBD images live in the shared cluster, so any host's agent
    /// can reach them): the one heard from most recently.
    /// </summary>
    public async Task<Placement?> AnyUpHostAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QueryFirstOrDefaultAsync<Placement>(new CommandDefinition(
            "SELECT host_id, grpc_endpoint, host_ip FROM hosts WHERE status = 'up' ORDER BY last_heartbeat DESC LIMIT 1",
            cancellationToken: ct));
    }
}

internal sealed record HostRegistration(
    string HostId,
    string Hostname,
    string GrpcEndpoint,
    string HostIp,
    int Cpus,
    long MemoryBytes,
    long MemoryFreeBytes,
    string AgentVersion,
    string DomainType,
    string DomainTypeReason);

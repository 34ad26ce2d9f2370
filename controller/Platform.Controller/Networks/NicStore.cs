using Dapper;
using Npgsql;
using Platform.Controller.Audit;
using Platform.Controller.Inventory;
using Platform.Controller.Tasks;
using Platform.Controller.Volumes;
using Platform.Controller.Reconciliation;

namespace Platform.Controller.Networks;

/// <summary>What /network/list and /network/search filter on; null fields do not filter.</summary>
internal sealed record NicFilter(string? Name, string? NicId = null, string? Mac = null, string? Ip = null, string? InstanceId = null, string? Status = null);

internal sealed class NicStore(NpgsqlDataSource dataSource)
{
    private static readonly ListQuery List = new(
        "network_interfaces", "x", "nic_id", "nic_name_suffixes", NicRecord.Columns,
        "JOIN networks n ON n.network_id = x.network_id LEFT JOIN instances i ON i.instance_id = x.instance_id");

    public async Task<(long Total, IReadOnlyList<NicRecord> Items)> ListAsync(NicFilter filter, int offset, int limit, CancellationToken ct)
    {
        var clauses = new List<string>();
        if (filter.NicId is not null)
        {
            clauses.Add("x.nic_id = @NicId");
        }
        if (filter.Mac is not null)
        {
            clauses.Add("x.mac = @Mac::macaddr");
        }
        if (filter.Ip is not null)
        {
            clauses.Add("x.ip = @Ip::inet");
        }
        if (filter.InstanceId is not null)
        {
            clauses.Add("x.instance_id = @InstanceId");
        }
        if (filter.Status is not null)
        {
            clauses.Add("x.status = @Status");
        }
        var sql = List.Build(byName: !string.IsNullOrEmpty(filter.Name), clauses);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var (total, items) = await sql.ReadAsync<NicRecord>(connection, new
        {
            name = filter.Name, filter.NicId, filter.Mac, filter.Ip, filter.InstanceId, filter.Status, offset, limit,
        }, offset, ct);
        return (total, items);
    }

    public async Task<NicRecord?> GetAsync(string nicId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<NicRecord>(new CommandDefinition(
            $"SELECT {NicRecord.Columns} FROM {NicRecord.From} WHERE x.nic_id = @nicId", new { nicId }, cancellationToken: ct));
    }

    /// <summary>Inserts the NIC and audits it; throws <see cref="NoAddressLeftException"/> when the network's range is full.</summary>
    public async Task<NicRecord> CreateAsync(NewNic nic, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var created = await NicAllocator.InsertAsync(connection, transaction, nic, ct);
        await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
        return created;
    }

    /// <summary>
    /// Opens a transaction holding the NIC row locked (and the instance's, when given) so the
    /// use case's checks still hold when its task commits; null when the NIC does not exist.
    /// </summary>
    public async Task<NicChange?> BeginChangeAsync(string nicId, string instanceId, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        var transaction = await connection.BeginTransactionAsync(ct);
        var nic = await connection.QuerySingleOrDefaultAsync<NicRecord>(new CommandDefinition(
            $"SELECT {NicRecord.Columns} FROM {NicRecord.From} WHERE x.nic_id = @nicId FOR UPDATE OF x", new { nicId }, transaction, cancellationToken: ct));
        if (nic is null)
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
            return null;
        }
        var instance = await connection.QuerySingleOrDefaultAsync<AttachTarget>(new CommandDefinition(
            "SELECT instance_id, status, host_id FROM instances WHERE instance_id = @instanceId FOR SHARE", new { instanceId }, transaction, cancellationToken: ct));
        return new NicChange(connection, transaction, nic, instance);
    }

    /// <summary>The agent endpoint of the host the instance is placed on; null when it is not placed.</summary>
    /// <summary>The host the instance is placed on and its agent's endpoint; null when it is on none.</summary>
    public async Task<ReconciliationStore.HostEndpoint?> HostEndpointAsync(string instanceId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ReconciliationStore.HostEndpoint>(new CommandDefinition(
            "SELECT h.host_id AS HostId, h.grpc_endpoint AS GrpcEndpoint FROM instances i JOIN hosts h ON h.host_id = i.host_id WHERE i.instance_id = @instanceId",
            new { instanceId }, cancellationToken: ct));
    }

    /// <summary>Records where the NIC is attached (or, with a null instance, that it is not).</summary>
    public async Task SetAttachmentAsync(string nicId, string status, string? instanceId, string? error, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE network_interfaces SET status = @status, instance_id = @instanceId, error = @error, {NicChange.AttachTime} WHERE nic_id = @nicId",
            new { nicId, status, instanceId, error }, cancellationToken: ct));
    }

    /// <summary>Deletes the NIC if it is idle and no task holds it, and audits it; false otherwise (nothing written).</summary>
    public async Task<bool> DeleteIdleAsync(string nicId, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM network_interfaces
            WHERE nic_id = @nicId AND status = 'idle' AND instance_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM resource_locks WHERE resource_id = @nicId)
            """, new { nicId }, transaction, cancellationToken: ct)) == 1;
        if (deleted)
        {
            await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
            await transaction.CommitAsync(ct);
        }
        return deleted;
    }
}

/// <summary>A NIC and an instance locked while a use case decides whether a task may start on them.</summary>
internal sealed class NicChange(NpgsqlConnection connection, NpgsqlTransaction transaction, NicRecord nic, AttachTarget? instance) : IHotPlugChange
{
    // attach_time is when the NIC joined its current instance: kept while it stays, cleared when it leaves.
    public const string AttachTime =
        "attach_time = CASE WHEN @instanceId::text IS NULL THEN NULL WHEN instance_id IS DISTINCT FROM @instanceId THEN now() ELSE attach_time END";

    public NicRecord Nic => nic;

    /// <summary>Null when the instance asked for does not exist.</summary>
    public AttachTarget? Instance => instance;

    /// <summary>Creates the task with its locks and moves the NIC to <paramref name="status"/> in one commit; null when busy.</summary>
    public async Task<string?> StartTaskAsync(NewTask task, string owner, TimeSpan lease, string status, string instanceId, CancellationToken ct)
    {
        var taskId = await TaskStore.TryCreateAsync(connection, transaction, task, owner, lease, ct);
        if (taskId is null)
        {
            return null;
        }
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE network_interfaces SET status = @status, instance_id = @instanceId, error = NULL, {AttachTime} WHERE nic_id = @NicId",
            new { nic.NicId, status, instanceId }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return taskId;
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}

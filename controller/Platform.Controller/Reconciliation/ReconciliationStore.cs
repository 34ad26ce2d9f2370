using Dapper;
using Npgsql;

namespace Platform.Controller.Reconciliation;

/// <summary>The inventory as reconciliation compares it, and the corrections it may make.</summary>
internal sealed class ReconciliationStore(NpgsqlDataSource dataSource)
{
    // "reconcil" in ASCII: one replica compares at a time.
    private const long PassLockKey = 0x7265636f6e63696c;

    /// <summary>A row of the inventory: its id, status, and whether a task holds it.</summary>
    internal sealed record InventoryRow(string Id, string Status, bool Busy);

    /// <summary>An instance on a host: as <see cref="InventoryRow"/>, with why it is paused or crashed as last recorded.</summary>
    internal sealed record InstanceRow(string Id, string Status, bool Busy, string? StatusReason);

    internal sealed record HostEndpoint(string HostId, string GrpcEndpoint);

    public const string VolumeDevice = "volume";
    public const string NicDevice = "nic";

    /// <summary>A volume or NIC the inventory has on an instance; <paramref name="Key"/> is the NIC's MAC (the volume's id for volumes).</summary>
    internal sealed record DeviceRow(string Kind, string Id, string Key, string Status, bool IsBoot, bool Busy);

    /// <summary>Runs <paramref name="pass"/> only if no other replica is running one (session advisory lock).</summary>
    public async Task<bool> TryExclusiveAsync(Func<Task> pass, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT pg_try_advisory_lock(@PassLockKey)", new { PassLockKey }, cancellationToken: ct)))
        {
            return false;
        }
        try
        {
            await pass();
            return true;
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@PassLockKey)", new { PassLockKey });
        }
    }

    public async Task<IReadOnlyList<HostEndpoint>> UpHostsAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<HostEndpoint>(new CommandDefinition(
            "SELECT host_id, grpc_endpoint FROM hosts WHERE status = 'up' ORDER BY host_id", cancellationToken: ct))).AsList();
    }

    /// <summary>Instances placed on the host; busy = a task holds it (reconciliation leaves those alone).</summary>
    public async Task<IReadOnlyList<InstanceRow>> InstancesOnAsync(string hostId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<InstanceRow>(new CommandDefinition(
            """
            SELECT i.instance_id AS id, i.status, EXISTS (SELECT 1 FROM resource_locks l WHERE l.resource_id = i.instance_id) AS busy, i.status_reason
            FROM instances i WHERE i.host_id = @hostId
            """, new { hostId }, cancellationToken: ct))).AsList();
    }

    /// <summary>The volumes and NICs recorded on the instance (attached, in use, or in error there).</summary>
    public async Task<IReadOnlyList<DeviceRow>> DevicesOfAsync(string instanceId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<DeviceRow>(new CommandDefinition(
            $"""
            SELECT '{VolumeDevice}' AS kind, volume_id AS id, volume_id AS key, status, is_boot,
                   EXISTS (SELECT 1 FROM resource_locks l WHERE l.resource_id IN (volume_id, @instanceId)) AS busy
            FROM volumes WHERE instance_id = @instanceId AND status IN ('in-use', 'error')
            UNION ALL
            SELECT '{NicDevice}', nic_id, mac::text, status, false,
                   EXISTS (SELECT 1 FROM resource_locks l WHERE l.resource_id IN (nic_id, @instanceId))
            FROM network_interfaces WHERE instance_id = @instanceId AND status IN ('attached', 'error')
            """, new { instanceId }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Frees a device record whose domain has it neither live nor persistent: the volume becomes
    /// available, the NIC idle. False when it changed or a task took it meanwhile.
    /// </summary>
    public async Task<bool> FreeDeviceAsync(DeviceRow device, string instanceId, CancellationToken ct)
    {
        var sql = device.Kind == VolumeDevice
            ? """
              UPDATE volumes SET status = 'available', instance_id = NULL, device = NULL, error = NULL
              WHERE volume_id = @id AND instance_id = @instanceId AND status = @status AND NOT is_boot
                AND NOT EXISTS (SELECT 1 FROM resource_locks WHERE resource_id IN (@id, @instanceId))
              """
            : """
              UPDATE network_interfaces SET status = 'idle', instance_id = NULL, error = NULL, attach_time = NULL
              WHERE nic_id = @id AND instance_id = @instanceId AND status = @status
                AND NOT EXISTS (SELECT 1 FROM resource_locks WHERE resource_id IN (@id, @instanceId))
              """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(sql, new { id = device.Id, instanceId, status = device.Status }, cancellationToken: ct)) == 1;
    }

    /// <summary>A device record in error whose domain has it both ways is attached again (in-use, attached); false when it changed meanwhile.</summary>
    public async Task<bool> RestoreDeviceAsync(DeviceRow device, string instanceId, CancellationToken ct)
    {
        var sql = device.Kind == VolumeDevice
            ? """
              UPDATE volumes SET status = 'in-use', error = NULL
              WHERE volume_id = @id AND instance_id = @instanceId AND status = 'error' AND device IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM resource_locks WHERE resource_id IN (@id, @instanceId))
              """
            : """
              UPDATE network_interfaces SET status = 'attached', error = NULL
              WHERE nic_id = @id AND instance_id = @instanceId AND status = 'error'
                AND NOT EXISTS (SELECT 1 FROM resource_locks WHERE resource_id IN (@id, @instanceId))
              """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(sql, new { id = device.Id, instanceId }, cancellationToken: ct)) == 1;
    }

    /// <summary>Images still creating whose request must have ended: made more than <paramref name="after"/> ago.</summary>
    public async Task<IReadOnlyList<string>> AbandonedImageCreationsAsync(TimeSpan after, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT image_id FROM images WHERE status = 'creating' AND create_time < now() - make_interval(secs => @seconds)",
            new { seconds = after.TotalSeconds }, cancellationToken: ct))).AsList();
    }

    /// <summary>Ends an abandoned creation (available, or error with <paramref name="error"/>) and audits it; false when it ended meanwhile.</summary>
    public async Task<bool> FinishImageCreationAsync(string imageId, string? error, Audit.AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var finished = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE images SET status = @status, error = @error WHERE image_id = @imageId AND status = 'creating'",
            new { imageId, status = error is null ? "available" : "error", error }, transaction, cancellationToken: ct));
        if (finished == 0)
        {
            return false;
        }
        var failure = error is null ? null : new Tasks.TaskFailure(Tasks.TaskFailureKind.GaveUp, error);
        await Audit.AuditStore.WriteAsync(connection, transaction, audit, error is null ? Audit.AuditOutcomes.Succeeded : Audit.AuditOutcomes.Failed, null, failure, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>Which of the given domain names are instances the inventory knows.</summary>
    public async Task<IReadOnlySet<string>> KnownInstanceIdsAsync(IEnumerable<string> names, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT instance_id FROM instances WHERE instance_id = ANY(@names)", new { names = names.ToArray() }, cancellationToken: ct)))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Folds the row-count deltas the inventory's triggers append (migration 0003) into one row
    /// per table, so that a list's total stays a sum over a few rows. Rows appended meanwhile
    /// are not seen by the DELETE and stay; a concurrent fold skips the rows this one took.
    /// </summary>
    public async Task FoldRowCountsAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            WITH folded AS (DELETE FROM row_count_deltas RETURNING table_name, delta)
            INSERT INTO row_count_deltas (table_name, delta) SELECT table_name, sum(delta) FROM folded GROUP BY table_name
            """, cancellationToken: ct));
    }

    /// <summary>Ids and statuses of the rows of one pool's table (volumes or images), with whether a task holds them.</summary>
    public async Task<IReadOnlyList<InventoryRow>> PoolRowsAsync(string table, CancellationToken ct)
    {
        var sql = table switch
        {
            "volumes" => "SELECT volume_id AS id, status, EXISTS (SELECT 1 FROM resource_locks l WHERE l.resource_id = volume_id) AS busy FROM volumes",
            "images" => "SELECT image_id AS id, status, false AS busy FROM images",
            _ => throw new ArgumentOutOfRangeException(nameof(table), table, "not a pool table"),
        };
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<InventoryRow>(new CommandDefinition(sql, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Sets an instance's status to what its host reports, unless a task took it meanwhile: error
    /// with <paramref name="reason"/> as its error, paused and crashed with it as status_reason.
    /// </summary>
    public async Task<bool> CorrectInstanceStatusAsync(string instanceId, string from, string to, string? reason, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE instances SET status = @to,
                                 error = CASE WHEN @to = 'error' THEN @reason END,
                                 status_reason = CASE WHEN @to IN ('paused', 'crashed') THEN @reason END
            WHERE instance_id = @instanceId AND status = @from
              AND NOT EXISTS (SELECT 1 FROM resource_locks WHERE resource_id = @instanceId)
            """, new { instanceId, from, to, reason }, cancellationToken: ct)) == 1;
    }

    /// <summary>Marks volumes or images whose RBD image is gone as error (one statement), unless a task holds them.</summary>
    public async Task MarkMissingAsync(string table, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return;
        }
        var sql = table switch
        {
            "volumes" =>
                """
                UPDATE volumes SET status = 'error', error = 'RBD image volumes/' || volume_id || ' is missing'
                WHERE volume_id = ANY(@ids) AND status IN ('available', 'in-use')
                  AND NOT EXISTS (SELECT 1 FROM resource_locks WHERE resource_id = volume_id)
                """,
            "images" =>
                "UPDATE images SET status = 'error', error = 'RBD image images/' || image_id || ' is missing' WHERE image_id = ANY(@ids) AND status = 'available'",
            _ => throw new ArgumentOutOfRangeException(nameof(table), table, "not a pool table"),
        };
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(sql, new { ids = ids.ToArray() }, cancellationToken: ct));
    }
}

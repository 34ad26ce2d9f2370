using Dapper;
using Npgsql;

namespace Platform.Controller.Instances;

/// <summary>The state changes instance tasks make when a step is done or undone.</summary>
internal sealed class InstanceTaskStore(NpgsqlDataSource dataSource)
{
    /// <summary>Create finished: the instance runs, its volumes are in use, its NICs attached.</summary>
    public async Task MarkCreatedAsync(string instanceId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE instances SET status = 'running', error = NULL WHERE instance_id = @instanceId;
            UPDATE volumes SET status = 'in-use', error = NULL WHERE instance_id = @instanceId;
            UPDATE network_interfaces SET status = 'attached', error = NULL, attach_time = now() WHERE instance_id = @instanceId;
            """, new { instanceId }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Create failed and was undone: volumes and NICs it made are deleted (except those whose
    /// cleanup failed, kept in error so someone sees them), the ones it took go back, and the
    /// instance is left in error with the reason and no host.
    /// </summary>
    public async Task MarkCreateFailedAsync(string instanceId, CreateInstancePayload payload, IReadOnlyCollection<string> leftoverVolumeIds, string reason, CancellationToken ct)
    {
        var created = payload.CreatedVolumeIds.Append(payload.BootVolumeId).ToArray();
        var removed = created.Except(leftoverVolumeIds, StringComparer.Ordinal).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM volumes WHERE volume_id = ANY(@removed);
            UPDATE volumes SET status = 'error', instance_id = NULL, device = NULL,
                               error = 'left over from the failed creation of ' || @instanceId || ': its RBD image could not be removed'
            WHERE volume_id = ANY(@leftover);
            UPDATE volumes SET status = 'available', instance_id = NULL, device = NULL WHERE volume_id = ANY(@existingVolumes);
            DELETE FROM network_interfaces WHERE nic_id = ANY(@createdNics);
            UPDATE network_interfaces SET status = 'idle', instance_id = NULL, attach_time = NULL WHERE nic_id = ANY(@existingNics);
            UPDATE instances SET status = 'error', error = @reason, host_id = NULL WHERE instance_id = @instanceId;
            """,
            new
            {
                instanceId,
                removed,
                leftover = leftoverVolumeIds.ToArray(),
                existingVolumes = payload.ExistingVolumeIds.ToArray(),
                createdNics = payload.CreatedNicIds.ToArray(),
                existingNics = payload.ExistingNicIds.ToArray(),
                reason,
            }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    public async Task SetStatusAsync(string instanceId, string status, string? error, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            // A reason belongs to paused and crashed only: any other status clears it.
            "UPDATE instances SET status = @status, error = @error, status_reason = CASE WHEN @status IN ('paused', 'crashed') THEN status_reason END WHERE instance_id = @instanceId",
            new { instanceId, status, error }, cancellationToken: ct));
    }

    /// <summary>Destroy finished: the instance and everything it held are gone (the task's end is audited with it).</summary>
    public async Task DeleteDestroyedAsync(string instanceId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM volumes WHERE instance_id = @instanceId;
            DELETE FROM network_interfaces WHERE instance_id = @instanceId;
            DELETE FROM instances WHERE instance_id = @instanceId;
            """, new { instanceId }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    /// <summary>Volumes whose RBD image destroy already removed: gone from the inventory at once.</summary>
    public async Task DeleteVolumeAsync(string volumeId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM volumes WHERE volume_id = @volumeId", new { volumeId }, cancellationToken: ct));
    }
}

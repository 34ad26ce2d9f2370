using Dapper;
using Npgsql;
using Platform.Controller.Inventory;
using Platform.Controller.Tasks;
using Platform.Controller.Reconciliation;

namespace Platform.Controller.Volumes;

internal sealed class VolumeStore(NpgsqlDataSource dataSource)
{
    private static readonly ListQuery List = new("volumes", "v", "volume_id", "volume_name_suffixes", VolumeRecord.Columns);

    public async Task<(long Total, IReadOnlyList<VolumeRecord> Items)> ListAsync(string? filterName, int offset, int limit, CancellationToken ct)
    {
        var sql = List.Build(byName: !string.IsNullOrEmpty(filterName), []);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var (total, items) = await sql.ReadAsync<VolumeRecord>(connection, new { name = filterName, offset, limit }, offset, ct);
        return (total, items);
    }

    public async Task<VolumeRecord?> GetAsync(string volumeId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<VolumeRecord>(new CommandDefinition(
            $"SELECT {VolumeRecord.Columns} FROM volumes WHERE volume_id = @volumeId", new { volumeId }, cancellationToken: ct));
    }

    /// <summary>The image a volume is cloned from; null when it does not exist.</summary>
    public async Task<SourceImage?> ImageAsync(string imageId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<SourceImage>(new CommandDefinition(
            "SELECT image_id, status, image_size FROM images WHERE image_id = @imageId", new { imageId }, cancellationToken: ct));
    }

    /// <summary>
    /// Inserts the volume as creating together with its creation task, so the row never exists
    /// without a task to finish it. Null when the image vanished meanwhile (an image deletion
    /// holds its row locked while it counts the volumes depending on it, so this waits for it).
    /// </summary>
    public async Task<string?> InsertWithTaskAsync(VolumeRecord volume, NewTask task, string owner, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO volumes (volume_id, volume_name, volume_size, image_id, status, describe)
                VALUES (@VolumeId, @VolumeName, @VolumeSize, @ImageId, @Status, @Describe)
                """, volume, transaction, cancellationToken: ct));
        }
        catch (PostgresException e) when (e.IsForeignKeyViolation())
        {
            return null;
        }
        var taskId = await TaskStore.TryCreateAsync(connection, transaction, task, owner, lease, ct)
            ?? throw new InvalidOperationException($"the new volume {volume.VolumeId} already has a task");
        await transaction.CommitAsync(ct);
        return taskId;
    }

    /// <summary>
    /// Opens a transaction holding the volume row locked (and the instance's, when given) so the
    /// checks the use case makes still hold when its task commits; null when the volume does not exist.
    /// </summary>
    public async Task<VolumeChange?> BeginChangeAsync(string volumeId, string? instanceId, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        var transaction = await connection.BeginTransactionAsync(ct);
        var volume = await connection.QuerySingleOrDefaultAsync<VolumeRecord>(new CommandDefinition(
            $"SELECT {VolumeRecord.Columns} FROM volumes WHERE volume_id = @volumeId FOR UPDATE", new { volumeId }, transaction, cancellationToken: ct));
        if (volume is null)
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
            return null;
        }
        AttachTarget? instance = null;
        IReadOnlyList<string> devices = [];
        if (instanceId is not null)
        {
            instance = await connection.QuerySingleOrDefaultAsync<AttachTarget>(new CommandDefinition(
                "SELECT instance_id, status, host_id FROM instances WHERE instance_id = @instanceId FOR SHARE", new { instanceId }, transaction, cancellationToken: ct));
            devices = (await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT device FROM volumes WHERE instance_id = @instanceId AND device IS NOT NULL", new { instanceId }, transaction, cancellationToken: ct))).AsList();
        }
        return new VolumeChange(connection, transaction, volume, instance, devices);
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

    public async Task SetStatusAsync(string volumeId, string status, string? error, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE volumes SET status = @status, error = @error WHERE volume_id = @volumeId", new { volumeId, status, error }, cancellationToken: ct));
    }

    /// <summary>Records where the volume is attached (or, with nulls, that it is not).</summary>
    public async Task SetAttachmentAsync(string volumeId, string status, string? instanceId, string? device, string? error, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE volumes SET status = @status, instance_id = @instanceId, device = @device, error = @error WHERE volume_id = @volumeId",
            new { volumeId, status, instanceId, device, error }, cancellationToken: ct));
    }

    public async Task DeleteAsync(string volumeId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM volumes WHERE volume_id = @volumeId", new { volumeId }, cancellationToken: ct));
    }
}

/// <summary>A volume (and maybe an instance) locked while a use case decides whether a task may start on it.</summary>
internal sealed class VolumeChange(NpgsqlConnection connection, NpgsqlTransaction transaction, VolumeRecord volume, AttachTarget? instance, IReadOnlyList<string> devices)
    : IHotPlugChange
{
    public VolumeRecord Volume => volume;

    /// <summary>Null when the instance asked for does not exist.</summary>
    public AttachTarget? Instance => instance;

    /// <summary>The devices the instance's volumes occupy.</summary>
    public IReadOnlyList<string> UsedDevices => devices;

    /// <summary>
    /// Creates the task with its locks and moves the volume to <paramref name="status"/>, in one
    /// commit; null when another task holds one of the resources (nothing changes).
    /// </summary>
    public async Task<string?> StartTaskAsync(NewTask task, string owner, TimeSpan lease, string status, string? instanceId, string? device, CancellationToken ct)
    {
        var taskId = await TaskStore.TryCreateAsync(connection, transaction, task, owner, lease, ct);
        if (taskId is null)
        {
            return null;
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE volumes SET status = @status, instance_id = @instanceId, device = @device, error = NULL WHERE volume_id = @VolumeId",
            new { volume.VolumeId, status, instanceId, device }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return taskId;
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}

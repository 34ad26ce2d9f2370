using Dapper;
using Npgsql;
using Platform.Controller.Audit;
using Platform.Controller.Inventory;
using Platform.Controller.Tasks;

namespace Platform.Controller.Images;

internal sealed class ImageStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "image_id, image_name, image_size, os_type, describe, status, error, extract(epoch FROM create_time)::bigint AS create_time";

    public async Task<(long Total, IReadOnlyList<ImageRecord> Items)> ListAsync(string? filterName, int offset, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var filter = new { pattern = SqlPatterns.Contains(filterName), offset, limit };
        const string Where = "WHERE (@pattern::text IS NULL OR lower(image_name) LIKE @pattern)";
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT count(*) FROM images {Where};
            SELECT {Columns} FROM images {Where} ORDER BY create_time DESC, image_id LIMIT @limit OFFSET @offset;
            """, filter, cancellationToken: ct));
        var total = await results.ReadSingleAsync<long>();
        var items = await results.ReadAsync<ImageRecord>();
        return (total, items.AsList());
    }

    public async Task<ImageRecord?> GetAsync(string imageId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ImageRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM images WHERE image_id = @imageId", new { imageId }, cancellationToken: ct));
    }

    public async Task<IReadOnlySet<string>> AllIdsAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<string>(new CommandDefinition("SELECT image_id FROM images", cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Inserts the image and its audit event with <paramref name="outcome"/>; false when the id is already taken (nothing written).</summary>
    public async Task<bool> TryInsertAsync(
        string imageId, string name, long size, string osType, string describe, string status, AuditEvent audit, string outcome, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO images (image_id, image_name, image_size, os_type, describe, status)
                VALUES (@imageId, @name, @size, @osType, @describe, @status)
                """, new { imageId, name, size, osType, describe, status }, transaction, cancellationToken: ct));
        }
        catch (PostgresException e) when (e.IsUniqueViolation())
        {
            return false;
        }
        await AuditStore.WriteAsync(connection, transaction, audit, outcome, null, null, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>A created image's RBD image exists (available) or could not be made (error, with the reason); audited with it.</summary>
    public async Task FinishCreationAsync(string imageId, TaskFailure? failure, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE images SET status = @status, error = @error WHERE image_id = @imageId",
            new { imageId, status = failure is null ? ImageStatus.Available : ImageStatus.Error, error = failure?.Message }, transaction, cancellationToken: ct));
        await AuditStore.WriteAsync(connection, transaction, audit, failure is null ? AuditOutcomes.Succeeded : AuditOutcomes.Failed, null, failure, ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>Updates the given fields (null = unchanged) and audits it; null when the image does not exist (nothing written).</summary>
    public async Task<ImageRecord?> UpdateAsync(string imageId, string? name, string? describe, string? osType, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var updated = await connection.QuerySingleOrDefaultAsync<ImageRecord>(new CommandDefinition(
            $"""
            UPDATE images SET image_name = COALESCE(@name, image_name), describe = COALESCE(@describe, describe), os_type = COALESCE(@osType, os_type)
            WHERE image_id = @imageId
            RETURNING {Columns}
            """, new { imageId, name, describe, osType }, transaction, cancellationToken: ct));
        if (updated is not null)
        {
            await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
            await transaction.CommitAsync(ct);
        }
        return updated;
    }

    /// <summary>
    /// Opens a transaction holding the image row locked, so that nothing can start depending on
    /// it while it is being deleted; null when it does not exist.
    /// </summary>
    public async Task<ImageDeletion?> BeginDeletionAsync(string imageId, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        var transaction = await connection.BeginTransactionAsync(ct);
        var found = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT image_id FROM images WHERE image_id = @imageId FOR UPDATE", new { imageId }, transaction, cancellationToken: ct));
        if (found is null)
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
            return null;
        }
        var dependents = await connection.QuerySingleAsync<(long Instances, long Volumes)>(new CommandDefinition(
            """
            SELECT (SELECT count(*) FROM instances WHERE image_id = @imageId), (SELECT count(*) FROM volumes WHERE image_id = @imageId)
            """, new { imageId }, transaction, cancellationToken: ct));
        return new ImageDeletion(connection, transaction, imageId, dependents.Instances, dependents.Volumes);
    }
}

internal sealed class ImageDeletion(NpgsqlConnection connection, NpgsqlTransaction transaction, string imageId, long instances, long volumes) : IAsyncDisposable
{
    public long DependentInstances => instances;

    public long DependentVolumes => volumes;

    public async Task CommitAsync(AuditEvent audit, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM images WHERE image_id = @imageId", new { imageId }, transaction, cancellationToken: ct));
        await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}

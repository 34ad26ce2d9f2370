using Dapper;
using Npgsql;
using Platform.Controller.Audit;

namespace Platform.Controller.DriverCenter;

/// <summary>A template's system drivers (at most one of each type) and its heterogeneity version.</summary>
internal sealed record TemplateDrivers(string ImageId, long? UniversalDriverId, long? ExtractiveDriverId, int HgVersion, bool IsAllowHeterogeneous);

/// <summary>A template as the /thor/image lists show it.</summary>
internal sealed record TemplateRecord(
    string ImageId, string ImageName, string OsType, long ImageSize, string Status, string Describe, long CreateTime, int HgVersion, bool IsAllowHeterogeneous,
    long? UniversalDriverId, long? ExtractiveDriverId);

/// <summary>What relating drivers to a template did: the relation now, and whether it changed.</summary>
internal sealed record RelationChange(TemplateDrivers Drivers, bool Changed, bool DriverVanished = false);

internal sealed class TemplateDriverStore(NpgsqlDataSource dataSource)
{
    private const string RelationColumns =
        """
        i.image_id, i.hg_version, i.is_allow_heterogeneous,
        (SELECT driver_id FROM template_drivers t WHERE t.image_id = i.image_id AND t.type = 1) AS universal_driver_id,
        (SELECT driver_id FROM template_drivers t WHERE t.image_id = i.image_id AND t.type = 2) AS extractive_driver_id
        """;

    public async Task<IReadOnlyList<TemplateDrivers>> GetAsync(IReadOnlyList<string> imageIds, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<TemplateDrivers>(new CommandDefinition(
            $"SELECT image_id, universal_driver_id, extractive_driver_id, hg_version, is_allow_heterogeneous FROM (SELECT {RelationColumns} FROM images i WHERE i.image_id = ANY(@ids)) r",
            new { ids = imageIds.ToArray() }, cancellationToken: ct))).AsList();
    }

    public async Task<IReadOnlyList<TemplateRecord>> ListTemplatesAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<TemplateRecord>(new CommandDefinition(
            $"""
            SELECT i.image_id, i.image_name, i.os_type, i.image_size, i.status, i.describe, extract(epoch FROM i.create_time)::bigint AS create_time,
                   r.hg_version, r.is_allow_heterogeneous, r.universal_driver_id, r.extractive_driver_id
            FROM images i JOIN LATERAL (SELECT {RelationColumns}) r ON true
            ORDER BY i.create_time DESC, i.image_id
            """, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Sets the template's drivers (null clears that type). Every change bumps hg_version and sets
    /// is_allow_heterogeneous to whether any driver remains; the same drivers again change nothing.
    /// Null when the template does not exist. The drivers must have been checked by the caller; a
    /// driver deleted meanwhile fails on the foreign key or is caught by the re-check below.
    /// </summary>
    public async Task<RelationChange?> SetAsync(string imageId, long? universal, long? extractive, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var current = await connection.QuerySingleOrDefaultAsync<TemplateDrivers>(new CommandDefinition(
            $"SELECT image_id, universal_driver_id, extractive_driver_id, hg_version, is_allow_heterogeneous FROM (SELECT {RelationColumns} FROM images i WHERE i.image_id = @imageId FOR UPDATE OF i) r",
            new { imageId }, transaction, cancellationToken: ct));
        if (current is null)
        {
            return null;
        }
        if (current.UniversalDriverId == universal && current.ExtractiveDriverId == extractive)
        {
            return new RelationChange(current, Changed: false);
        }
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM template_drivers WHERE image_id = @imageId;
            INSERT INTO template_drivers (image_id, driver_id, type)
            SELECT @imageId, d.id, d.type FROM drivers d WHERE d.id = ANY(@ids) AND NOT d.deleted AND d.status = 'available';
            """, new { imageId, ids = new[] { universal, extractive }.OfType<long>().ToArray() }, transaction, cancellationToken: ct));
        await BumpAsync(connection, transaction, [imageId], ct);
        var now = await connection.QuerySingleAsync<TemplateDrivers>(new CommandDefinition(
            $"SELECT image_id, universal_driver_id, extractive_driver_id, hg_version, is_allow_heterogeneous FROM (SELECT {RelationColumns} FROM images i WHERE i.image_id = @imageId) r",
            new { imageId }, transaction, cancellationToken: ct));
        if (now.UniversalDriverId != universal || now.ExtractiveDriverId != extractive)
        {
            // A driver went away between the caller's check and this transaction: change nothing.
            return new RelationChange(current, Changed: false, DriverVanished: true);
        }
        await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
        return new RelationChange(now, Changed: true);
    }

    /// <summary>Bumps hg_version of templates whose drivers changed and recomputes their heterogeneity, in the caller's transaction.</summary>
    public static Task BumpAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<string> imageIds, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE images i SET hg_version = i.hg_version + 1,
                                is_allow_heterogeneous = EXISTS (SELECT 1 FROM template_drivers t WHERE t.image_id = i.image_id)
            WHERE i.image_id = ANY(@ids)
            """, new { ids = imageIds.ToArray() }, transaction, cancellationToken: ct));
}

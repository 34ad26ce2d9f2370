using Dapper;
using Npgsql;
using Platform.Controller.Audit;
using Platform.Controller.Inventory;

namespace Platform.Controller.DriverCenter;

/// <summary>System drivers and what deleting one does to the templates that use it.</summary>
internal sealed class SystemDriverStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        """
        d.id, d.name, d.os_type, d.type, d.size, d.files, d.describe, d.file_name, d.status,
        extract(epoch FROM d.created_at)::bigint AS create_at, extract(epoch FROM d.updated_at)::bigint AS update_at,
        (SELECT count(*) FROM template_drivers t WHERE t.driver_id = d.id)::int AS tpl_num
        """;

    public async Task<IReadOnlyList<SystemDriverRecord>> ListAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<SystemDriverRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM drivers d WHERE NOT d.deleted ORDER BY d.created_at DESC, d.id DESC", cancellationToken: ct))).AsList();
    }

    public async Task<SystemDriverRecord?> GetAsync(long id, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<SystemDriverRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM drivers d WHERE d.id = @id AND NOT d.deleted", new { id }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<SystemDriverRecord>> GetManyAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<SystemDriverRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM drivers d WHERE d.id = ANY(@ids) AND NOT d.deleted", new { ids = ids.ToArray() }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Holds the name and the folder for an upload (status importing); null when a driver has the
    /// name or the folder already.
    /// </summary>
    public async Task<long?> TryReserveAsync(string name, short osType, short type, string describe, string fileName, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                """
                INSERT INTO drivers (name, os_type, type, describe, file_name, status)
                VALUES (@name, @osType, @type, @describe, @fileName, 'importing')
                RETURNING id
                """, new { name, osType, type, describe, fileName }, cancellationToken: ct));
        }
        catch (PostgresException e) when (e.IsUniqueViolation())
        {
            return null;
        }
    }

    /// <summary>The agent has the driver: it is available, audited. False when it was deleted meanwhile.</summary>
    public async Task<bool> CompleteImportAsync(long id, long size, int files, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE drivers SET status = 'available', size = @size, files = @files, updated_at = now() WHERE id = @id AND NOT deleted",
            new { id, size, files }, transaction, cancellationToken: ct));
        if (updated == 0)
        {
            return false;
        }
        await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>An upload that did not become a driver leaves no row.</summary>
    public async Task ForgetReservationAsync(long id, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM drivers WHERE id = @id AND status = 'importing'", new { id }, cancellationToken: ct));
    }

    /// <summary>Changes the given fields (null = unchanged); null when the driver does not exist. A name taken by another driver throws the unique violation.</summary>
    public async Task<SystemDriverRecord?> UpdateAsync(long id, string? name, short? osType, string? describe, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE drivers SET name = COALESCE(@name, name), os_type = COALESCE(@osType, os_type), describe = COALESCE(@describe, describe), updated_at = now()
            WHERE id = @id AND NOT deleted
            """, new { id, name, osType, describe }, transaction, cancellationToken: ct));
        if (updated == 0)
        {
            return null;
        }
        await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
        return await GetAsync(id, ct);
    }

    /// <summary>
    /// Marks the drivers deleted and takes them off every template that used them; each such
    /// template's hg_version goes up and its heterogeneity follows what remains. Answers those templates.
    /// </summary>
    public async Task<IReadOnlyList<string>> DeleteAsync(IReadOnlyList<long> ids, IReadOnlyList<AuditEvent> audits, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var templates = (await connection.QueryAsync<string>(new CommandDefinition(
            "DELETE FROM template_drivers WHERE driver_id = ANY(@ids) RETURNING image_id", new { ids = ids.ToArray() }, transaction, cancellationToken: ct)))
            .Distinct(StringComparer.Ordinal).ToList();
        await TemplateDriverStore.BumpAsync(connection, transaction, templates, ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE drivers SET deleted = true, deleted_at = now(), updated_at = now() WHERE id = ANY(@ids) AND NOT deleted",
            new { ids = ids.ToArray() }, transaction, cancellationToken: ct));
        foreach (var audit in audits)
        {
            await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
        }
        await transaction.CommitAsync(ct);
        return templates;
    }
}

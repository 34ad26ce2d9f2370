using Dapper;
using Npgsql;
using Platform.Controller.Audit;

namespace Platform.Controller.DriverCenter;

/// <summary>A printer driver row with the number of terminals it is assigned to.</summary>
internal sealed record PrinterRecord(
    long Id, string Name, string Environment, short Type, short UploadType, string Describe, string? ClientName, string? ClientMac, string FileName,
    long Size, int Files, string Config, string? PasswordProtected, string Status, long CreateAt, int ClientNums)
{
    public PrinterConfig PublicConfig => PrinterConfig.FromJson(Config);
}

/// <summary>A new printer driver: from an upload (console or terminal) or a duplicate.</summary>
internal sealed record NewPrinter(string Name, string Environment, short UploadType, string Describe, string? ClientName, string? ClientMac, string FileName, PrinterConfig Config, string? PasswordProtected);

internal sealed class PrinterStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        """
        p.id, p.name, p.environment, p.type, p.upload_type, p.describe, p.client_name, p.client_mac::text AS client_mac, p.file_name, p.size, p.files,
        p.config::text AS config, p.password_protected, p.status, extract(epoch FROM p.created_at)::bigint AS create_at,
        (SELECT count(*) FROM printer_terminals t WHERE t.printer_id = p.id)::int AS client_nums
        """;

    public async Task<IReadOnlyList<PrinterRecord>> ListAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<PrinterRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM printer_drivers p WHERE NOT p.deleted ORDER BY p.created_at DESC, p.id DESC", cancellationToken: ct))).AsList();
    }

    public async Task<PrinterRecord?> GetAsync(long id, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<PrinterRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM printer_drivers p WHERE p.id = @id AND NOT p.deleted", new { id }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<PrinterRecord>> GetManyAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<PrinterRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM printer_drivers p WHERE p.id = ANY(@ids) AND NOT p.deleted", new { ids = ids.ToArray() }, cancellationToken: ct))).AsList();
    }

    /// <summary>Holds the row (status importing) while the files are placed on the disk; answers its id.</summary>
    public async Task<long> ReserveAsync(NewPrinter printer, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO printer_drivers (name, environment, type, upload_type, describe, client_name, client_mac, file_name, config, password_protected, status)
            VALUES (@Name, @Environment, @type, @UploadType, @Describe, @ClientName, @ClientMac::macaddr, @FileName,
                    @config::jsonb, @PasswordProtected, 'importing')
            RETURNING id
            """,
            new { printer.Name, printer.Environment, type = printer.Config.Type, printer.UploadType, printer.Describe, printer.ClientName, printer.ClientMac, printer.FileName,
                  config = printer.Config.ToJson(), printer.PasswordProtected }, cancellationToken: ct));
    }

    public async Task<bool> CompleteAsync(long id, long size, int files, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE printer_drivers SET status = 'available', size = @size, files = @files, updated_at = now() WHERE id = @id AND NOT deleted",
            new { id, size, files }, transaction, cancellationToken: ct));
        if (updated == 0)
        {
            return false;
        }
        await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task ForgetReservationAsync(long id, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM printer_drivers WHERE id = @id AND status = 'importing'", new { id }, cancellationToken: ct));
    }

    public async Task<PrinterRecord?> UpdateAsync(long id, string? name, string? environment, string? describe, PrinterConfig? config, string? passwordProtected, bool clearPassword,
        AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE printer_drivers SET name = COALESCE(@name, name), environment = COALESCE(@environment, environment), describe = COALESCE(@describe, describe),
                type = COALESCE(@type, type), config = COALESCE(@config::jsonb, config),
                password_protected = CASE WHEN @clearPassword THEN NULL ELSE COALESCE(@passwordProtected, password_protected) END, updated_at = now()
            WHERE id = @id AND NOT deleted
            """, new { id, name, environment, describe, type = config?.Type, config = config?.ToJson(), passwordProtected, clearPassword }, transaction, cancellationToken: ct));
        if (updated == 0)
        {
            return null;
        }
        await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
        return await GetAsync(id, ct);
    }

    public async Task DeleteAsync(IReadOnlyList<long> ids, IReadOnlyList<AuditEvent> audits, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM printer_terminals WHERE printer_id = ANY(@ids);
            UPDATE printer_drivers SET deleted = true, deleted_at = now(), updated_at = now() WHERE id = ANY(@ids) AND NOT deleted;
            """, new { ids = ids.ToArray() }, transaction, cancellationToken: ct));
        foreach (var audit in audits)
        {
            await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
        }
        await transaction.CommitAsync(ct);
    }
}

using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using Platform.Controller.Audit;
using Platform.Controller.Idempotency;

namespace Platform.Controller.DriverCenter;

/// <summary>A terminal that syncs the driver disk, with the printers assigned to it.</summary>
internal sealed record TerminalRecord(
    long Id, string Name, string Mac, long ToolDiskVersion, bool IsDownloading, long? DownloadingSince, long LastSeen, long NotifiedVersion, long CreateAt,
    [property: System.Text.Json.Serialization.JsonIgnore] string PrinterList)
{
    /// <summary>The printers assigned to the terminal (read as one comma-separated column: Dapper does not bind arrays to record constructors).</summary>
    public IReadOnlyList<long> Printers => PrinterList.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();
}

/// <summary>A saved disk file a terminal may download: the base or a delta, by its served name.</summary>
internal sealed record DiskNode(string FileName, long FileSize, string Md5, string Sha256, long FromVersion, long ToVersion, string? ParentMd5, string? MergeMd5, bool IsBase);

internal sealed class TerminalStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        """
        t.id, t.name, t.mac::text AS mac, t.tool_disk_version, t.is_downloading,
        extract(epoch FROM t.downloading_since)::bigint AS downloading_since, extract(epoch FROM t.last_seen)::bigint AS last_seen,
        t.notified_version, extract(epoch FROM t.created_at)::bigint AS create_at,
        array_to_string(ARRAY(SELECT printer_id FROM printer_terminals p WHERE p.terminal_id = t.id ORDER BY printer_id), ',') AS printer_list
        """;

    /// <summary>The SHA-256 a token is kept as: a token is 32 random bytes, so no salt or slow hash is needed.</summary>
    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string NewToken() => Security.Credentials.NewSecret();

    /// <summary>
    /// Registers the terminal (its MAC is its identity) with a new token; a MAC already registered
    /// is taken over only by the holder of its current token (<paramref name="currentTokenHash"/>).
    /// Null when the MAC is registered and the token does not match. Registrations and deletions
    /// are audited with who made them (an enrollment token, an operator, the terminal itself); the
    /// other calls of terminals and the console are not, and their request's record
    /// (<see cref="RequestOutcome"/>) joins their transactions directly.
    /// </summary>
    public async Task<TerminalRecord?> RegisterAsync(string name, string mac, string tokenHash, string? currentTokenHash, AuditEvent audit, CancellationToken ct)
    {
        long? id;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                """
                INSERT INTO terminals (name, mac, token_hash) VALUES (@name, @mac::macaddr, @tokenHash)
                ON CONFLICT (mac) DO UPDATE SET name = excluded.name, token_hash = excluded.token_hash, last_seen = now()
                    WHERE terminals.token_hash IS NOT DISTINCT FROM @currentTokenHash
                RETURNING id
                """, new { name, mac, tokenHash, currentTokenHash }, transaction, cancellationToken: ct));
            if (id is not { } registered)
            {
                return null;
            }
            // The audit row also joins the request's own record to this transaction.
            await AuditStore.WriteAsync(connection, transaction, audit with { ResourceId = ResourceIdOf(registered) }, AuditOutcomes.Succeeded, null, null, ct);
            await transaction.CommitAsync(ct);
        }
        return await GetAsync(id.Value, ct);
    }

    /// <summary>How a terminal is named where a request's change is recorded.</summary>
    public static string ResourceIdOf(long terminalId) => $"terminal-{terminalId}";

    public async Task<TerminalRecord?> AuthenticateAsync(string tokenHash, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<TerminalRecord>(new CommandDefinition(
            $"UPDATE terminals t SET last_seen = now() WHERE token_hash = @tokenHash RETURNING {Columns}", new { tokenHash }, cancellationToken: ct));
    }

    public async Task<TerminalRecord?> GetAsync(long id, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<TerminalRecord>(new CommandDefinition($"SELECT {Columns} FROM terminals t WHERE t.id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<TerminalRecord>> ListAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<TerminalRecord>(new CommandDefinition($"SELECT {Columns} FROM terminals t ORDER BY t.id", cancellationToken: ct))).AsList();
    }

    /// <summary>Ids among <paramref name="ids"/> that are no terminal.</summary>
    public async Task<IReadOnlyList<long>> MissingAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var found = (await connection.QueryAsync<long>(new CommandDefinition("SELECT id FROM terminals WHERE id = ANY(@ids)", new { ids = ids.ToArray() }, cancellationToken: ct))).ToHashSet();
        return ids.Where(id => !found.Contains(id)).ToList();
    }

    public async Task DeleteAsync(IReadOnlyList<long> ids, Caller caller, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var deleted = await connection.QueryAsync<(long Id, string Name, string Mac)>(new CommandDefinition(
            "DELETE FROM terminals WHERE id = ANY(@ids) RETURNING id, name, mac::text", new { ids = ids.ToArray() }, transaction, cancellationToken: ct));
        foreach (var terminal in deleted)
        {
            var audit = new AuditEvent(AuditActions.TerminalDelete, ResourceIdOf(terminal.Id), caller, new { terminal.Name, terminal.Mac });
            await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// What a terminal reports. Starting a download takes the driver center's setting row, as a
    /// save does, so the two never both begin: false when the disk is being merged (nothing changed).
    /// </summary>
    public async Task<bool> ReportAsync(long id, long toolDiskVersion, bool isDownloading, RequestOutcome? request, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (isDownloading)
        {
            var merging = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                $"""
                SELECT (value->>'mount_status')::int = {MountStatus.Merging}
                       OR EXISTS (SELECT 1 FROM tasks WHERE resource_id = @resource AND kind = @kind AND state IN ('pending', 'running'))
                FROM settings WHERE name = @setting FOR UPDATE
                """, new { setting = DriverCenterStore.SettingName, resource = DriverCenterStore.ResourceId, kind = DriverDiskUseCases.SaveKind }, transaction, cancellationToken: ct));
            if (merging)
            {
                return false;
            }
        }
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE terminals SET tool_disk_version = @toolDiskVersion, last_seen = now(), is_downloading = @isDownloading,
                downloading_since = CASE WHEN @isDownloading THEN COALESCE(downloading_since, now()) END
            WHERE id = @id
            """, new { id, toolDiskVersion, isDownloading }, transaction, cancellationToken: ct));
        await JoinAsync(request, connection, transaction, ResourceIdOf(id), ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>Tells terminals to update to <paramref name="version"/> (the seed's notifyupdatehgdrive).</summary>
    public async Task NotifyAsync(IReadOnlyList<long> ids, long version, RequestOutcome? request, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE terminals SET notified_version = GREATEST(notified_version, @version) WHERE id = ANY(@ids)", new { ids = ids.ToArray(), version }, transaction, cancellationToken: ct));
        await JoinAsync(request, connection, transaction, ResourceIdOf(ids[0]), ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>Assigns the printer to exactly these terminals.</summary>
    public async Task AssignAsync(long printerId, IReadOnlyList<long> terminalIds, RequestOutcome? request, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM printer_terminals WHERE printer_id = @printerId;
            INSERT INTO printer_terminals (printer_id, terminal_id) SELECT @printerId, unnest(@terminalIds);
            """, new { printerId, terminalIds = terminalIds.ToArray() }, transaction, cancellationToken: ct));
        await JoinAsync(request, connection, transaction, $"printer-{printerId}", ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>The current base and the kept deltas, oldest delta first.</summary>
    public async Task<IReadOnlyList<DiskNode>> NodesAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<DiskNode>(new CommandDefinition(
            """
            SELECT file_name, file_size, md5, sha256, 0::bigint AS from_version, version AS to_version, NULL AS parent_md5, NULL AS merge_md5, true AS is_base
            FROM driver_disk_bases WHERE NOT deleted
            UNION ALL
            SELECT file_name, file_size, md5, sha256, from_version, to_version, parent_md5, merge_md5, false
            FROM driver_disk_deltas WHERE NOT deleted
            ORDER BY is_base DESC, to_version
            """, cancellationToken: ct))).AsList();
    }

    private static Task JoinAsync(RequestOutcome? request, NpgsqlConnection connection, NpgsqlTransaction transaction, string resourceId, CancellationToken ct) =>
        request is null ? Task.CompletedTask : request.JoinAsync(connection, transaction, resourceId, null, ct);
}

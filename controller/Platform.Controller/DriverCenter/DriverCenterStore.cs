using System.Text.Json;
using Dapper;
using Npgsql;
using Platform.Contracts.Agent.V1;
using Platform.Controller.Audit;
using Platform.Controller.Tasks;

namespace Platform.Controller.DriverCenter;

/// <summary>The voi_drive_center setting as the seed stores it.</summary>
internal sealed record DriverCenterSetting(bool IsAutoUpdate, int MountStatus);

/// <summary>The seed's mount_status values.</summary>
internal static class MountStatus
{
    public const int Normal = 1;
    public const int Merging = 2;
    public const int Error = 3;
    public const int Restoring = 4;
}

/// <summary>
/// The voi_drive_center setting, the saved base and deltas, and the start of a save or restore
/// (state change and task in one transaction, serialised with terminals starting a download).
/// </summary>
internal sealed class DriverCenterStore(NpgsqlDataSource dataSource)
{
    public const string SettingName = "voi_drive_center";

    /// <summary>The resource every save and restore task holds: one at a time.</summary>
    public const string ResourceId = "driver-center";

    private static readonly JsonSerializerOptions SettingJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<DriverCenterSetting> GetSettingAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await ReadSettingAsync(connection, null, lockRow: false, ct);
    }

    public async Task SetAutoUpdateAsync(bool isAutoUpdate, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var setting = await ReadSettingAsync(connection, transaction, lockRow: true, ct);
        await WriteSettingAsync(connection, transaction, setting with { IsAutoUpdate = isAutoUpdate }, ct);
        await AuditStore.WriteAsync(connection, transaction, audit, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
    }

    public async Task SetMountStatusAsync(int mountStatus, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var setting = await ReadSettingAsync(connection, transaction, lockRow: true, ct);
        await WriteSettingAsync(connection, transaction, setting with { MountStatus = mountStatus }, ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Starts a save or restore: refused (a value) while another runs, or — for a save — while a
    /// terminal downloads; otherwise the task and the new mount_status commit together.
    /// </summary>
    public async Task<(string? TaskId, BeginRefusal Refusal)> BeginAsync(
        NewTask task, int mountStatus, bool refuseWhileDownloading, TimeSpan downloadStaleAfter, string owner, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Terminals starting a download lock this row too: a save and a download never both begin.
        var setting = await ReadSettingAsync(connection, transaction, lockRow: true, ct);
        if (refuseWhileDownloading && await CountDownloadingAsync(connection, transaction, downloadStaleAfter, ct) > 0)
        {
            return (null, BeginRefusal.Downloading);
        }
        var taskId = await TaskStore.TryCreateAsync(connection, transaction, task, owner, lease, ct);
        if (taskId is null)
        {
            return (null, BeginRefusal.Busy);
        }
        await WriteSettingAsync(connection, transaction, setting with { MountStatus = mountStatus }, ct);
        await transaction.CommitAsync(ct);
        return (taskId, BeginRefusal.None);
    }

    /// <summary>Terminals downloading now (heard of within <paramref name="staleAfter"/>).</summary>
    public async Task<long> CountDownloadingAsync(TimeSpan staleAfter, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await CountDownloadingAsync(connection, null, staleAfter, ct);
    }

    /// <summary>
    /// Records the agent's manifest: its base and deltas become (or stay) nodes; nodes it no longer
    /// lists are soft-deleted. merge_* of a delta is the base it produced, known for the newest one.
    /// </summary>
    public async Task RecordManifestAsync(DriverDiskManifest manifest, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var baseFile = manifest.Base;
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO driver_disk_bases (version, file_name, file_size, md5, sha256)
            VALUES (@version, @Name, @size, @Md5, @Sha256)
            ON CONFLICT (version) DO UPDATE SET file_name = excluded.file_name, file_size = excluded.file_size, md5 = excluded.md5,
                sha256 = excluded.sha256, deleted = false, deleted_at = NULL, updated_at = now();
            UPDATE driver_disk_bases SET deleted = true, deleted_at = now(), updated_at = now() WHERE version <> @version AND NOT deleted;
            """, new { version = (long)manifest.Version, baseFile.Name, size = (long)baseFile.SizeBytes, baseFile.Md5, baseFile.Sha256 }, transaction, cancellationToken: ct));
        foreach (var delta in manifest.Deltas)
        {
            var newest = delta.ToVersion == manifest.Version;
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO driver_disk_deltas (from_version, to_version, parent_uuid, file_name, file_size, md5, sha256, parent_md5, merge_uuid, merge_md5, merge_file_size)
                VALUES (@from, @to, (SELECT uuid FROM driver_disk_bases WHERE version = @from), @Name, @size, @Md5, @Sha256, @ParentMd5,
                        CASE WHEN @newest THEN (SELECT uuid FROM driver_disk_bases WHERE version = @to) END, @MergedMd5,
                        CASE WHEN @newest THEN @baseSize END)
                ON CONFLICT (to_version) DO UPDATE SET file_name = excluded.file_name, file_size = excluded.file_size, md5 = excluded.md5,
                    sha256 = excluded.sha256, deleted = false, deleted_at = NULL, updated_at = now(),
                    merge_uuid = COALESCE(driver_disk_deltas.merge_uuid, excluded.merge_uuid),
                    merge_file_size = COALESCE(driver_disk_deltas.merge_file_size, excluded.merge_file_size)
                """,
                new
                {
                    from = (long)delta.FromVersion, to = (long)delta.ToVersion, delta.Name, size = (long)delta.SizeBytes, delta.Md5, delta.Sha256,
                    delta.ParentMd5, delta.MergedMd5, newest, baseSize = (long)baseFile.SizeBytes,
                }, transaction, cancellationToken: ct));
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE driver_disk_deltas SET deleted = true, deleted_at = now(), updated_at = now() WHERE NOT (to_version = ANY(@kept)) AND NOT deleted",
            new { kept = manifest.Deltas.Select(d => (long)d.ToVersion).ToArray() }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    private static Task<long> CountDownloadingAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, TimeSpan staleAfter, CancellationToken ct) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM terminals WHERE is_downloading AND last_seen > now() - make_interval(secs => @seconds)",
            new { seconds = staleAfter.TotalSeconds }, transaction, cancellationToken: ct));

    private static async Task<DriverCenterSetting> ReadSettingAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, bool lockRow, CancellationToken ct)
    {
        var json = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            $"SELECT value::text FROM settings WHERE name = @SettingName{(lockRow ? " FOR UPDATE" : "")}", new { SettingName }, transaction, cancellationToken: ct))
            ?? throw new InvalidOperationException($"the setting {SettingName} is missing (migration 0005 inserts it)");
        return JsonSerializer.Deserialize<DriverCenterSetting>(json, SettingJson)!;
    }

    private static Task<int> WriteSettingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DriverCenterSetting setting, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE settings SET value = @value::jsonb, updated_at = now() WHERE name = @SettingName",
            new { SettingName, value = JsonSerializer.Serialize(setting, SettingJson) }, transaction, cancellationToken: ct));
}

internal enum BeginRefusal
{
    None,
    Busy,
    Downloading,
}

using System.Text;
using Npgsql;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Fuzz;

/// <summary>
/// Everything bad input could have changed: every inventory table (rows and content), both RBD
/// pools, libvirt's domains, and the agent's driver disk and backup folders. Two snapshots of an
/// untouched platform are equal; columns that only record that something was seen are left out.
/// </summary>
internal static class HostSnapshot
{
    /// <summary>Bookkeeping the platform updates by itself (heartbeats, a terminal's last call, a token's last use).</summary>
    private static readonly string[] VolatileColumns = ["last_heartbeat", "last_seen", "updated_at", "last_used_at"];

    /// <summary>Tables the platform rewrites by itself: only their row counts are compared.</summary>
    private static readonly string[] VolatileTables = ["hosts", "row_count_deltas"];

    /// <summary>
    /// What reconciliation observes of the shared test Ceph and libvirtd (other fixtures' leftovers
    /// included), on its own schedule: no request writes it, and the pools and domains are compared themselves.
    /// </summary>
    private static readonly string[] ObservationTables = ["drift"];

    public static async Task<string> TakeAsync(NpgsqlDataSource database, Func<string[], Task<string>> rbd, Func<string[], Task<string>> virsh, string agentDirectory)
    {
        var lines = new List<string>();
        var tables = new List<string>();
        await using (var list = database.CreateCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                if (!ObservationTables.Contains(reader.GetString(0)))
                {
                    tables.Add(reader.GetString(0));
                }
            }
        }
        var dropped = string.Concat(VolatileColumns.Select(c => $" - '{c}'"));
        foreach (var table in tables)
        {
            var content = VolatileTables.Contains(table) ? "''" : $"coalesce(md5(string_agg((to_jsonb(t){dropped})::text, ',' ORDER BY (to_jsonb(t){dropped})::text)), '')";
            await using var command = database.CreateCommand($"SELECT count(*), {content} FROM \"{table}\" t");
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            lines.Add($"{table}: {reader.GetInt64(0)} rows {reader.GetString(1)}");
        }
        foreach (var pool in new[] { "images", "volumes" })
        {
            lines.Add($"rbd {pool}: {Sorted(await rbd(["ls", pool]))}");
        }
        lines.Add($"domains: {Sorted(await virsh(["list", "--all", "--name"]))}");
        foreach (var folder in new[] { "driver-disk", "driver-backup" })
        {
            lines.Add($"{folder}: {Listing(Path.Combine(agentDirectory, folder))}");
        }
        return string.Join('\n', lines);
    }

    private static string Sorted(string output) =>
        string.Join(' ', output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));

    /// <summary>Every file and folder under <paramref name="root"/> (sizes of files that are not disks in use).</summary>
    private static string Listing(string root)
    {
        if (!Directory.Exists(root))
        {
            return "(none)";
        }
        var listing = new StringBuilder();
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            listing.Append(Path.GetRelativePath(root, entry));
            // A mounted overlay grows as the filesystem on it writes its own metadata: only its name counts.
            if (File.Exists(entry) && !entry.EndsWith(".qcow2", StringComparison.Ordinal))
            {
                listing.Append('=').Append(new FileInfo(entry).Length);
            }
            listing.Append(' ');
        }
        return listing.ToString();
    }
}

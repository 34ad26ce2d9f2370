using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Dapper;
using Platform.Controller.Inventory;

namespace Platform.Benchmarks.Controller;

/// <summary>
/// The benchmark's private inventory: bulk rows written with INSERT … SELECT generate_series,
/// and the SQL the controller's stores run for the measured endpoints, run directly (the baseline).
/// </summary>
internal static class Inventory
{
    /// <summary>Bulk ids start here (hex b0000001…), away from nothing in particular: the controller's are random.</summary>
    private const long IdBase = 0xb0000000;

    /// <summary>Every name carries one of 100 tags "kNNq", each on exactly 1% of the rows: the search filter.</summary>
    public static string Tag(int n) => $"k{n:D2}q";

    public static async Task<string> LoadAsync(NpgsqlDataSource database, int instances, int volumes, int hosts, int images)
    {
        var began = Stopwatch.StartNew();
        var steps = new List<string>();
        async Task Step(string name, string sql)
        {
            var step = Stopwatch.StartNew();
            await using var command = database.CreateCommand(sql);
            command.CommandTimeout = 600;
            command.Parameters.AddWithValue("instances", instances);
            command.Parameters.AddWithValue("volumes", volumes);
            command.Parameters.AddWithValue("hosts", hosts);
            command.Parameters.AddWithValue("images", images);
            command.Parameters.AddWithValue("base", IdBase);
            var rows = await command.ExecuteNonQueryAsync();
            steps.Add($"{name} {(rows >= 0 ? rows.ToString("N0", CultureInfo.InvariantCulture) + " rows " : "")}{step.Elapsed.TotalSeconds:F1} s");
        }

        // Hosts that never heartbeat: down, so the scheduler never places the measured creates on them.
        await Step("hosts", """
            INSERT INTO hosts (host_id, hostname, grpc_endpoint, host_ip, cpus, memory_bytes, memory_free_bytes, status, registered_at, last_heartbeat)
            SELECT 'bench-host-' || g, 'bench-host-' || g, 'http://127.0.0.2:' || (20000 + g), '10.250.' || (g / 250) || '.' || (g % 250 + 1),
                   64, 512::bigint << 30, 0, 'down', now() - interval '1 day', now() - interval '1 day'
            FROM generate_series(1, @hosts) g
            """);
        await Step("images", """
            INSERT INTO images (image_id, image_name, image_size, os_type, describe, status, create_time)
            SELECT 'ami-' || to_hex(@base + g), 'bench image ' || g, 10::bigint << 30, CASE WHEN g % 3 = 0 THEN 'Windows' ELSE 'Linux' END,
                   'bulk-loaded', 'available', timestamptz '2025-01-01' + g * interval '1 hour'
            FROM generate_series(1, @images) g
            """);
        await Step("networks", """
            INSERT INTO networks (network_id, bridge, cidr, gateway, range_start, range_end)
            VALUES ('bench-net', 'plbench0', '10.64.0.0/14', '10.64.0.1', '10.64.0.10', '10.67.255.250')
            """);
        await Step("instances", """
            INSERT INTO instances (instance_id, instance_name, uuid, status, host_id, image_id, cpu, memory, describe, create_time)
            SELECT 'i-' || to_hex(@base + g),
                   (ARRAY['web', 'db', 'cache', 'build', 'batch'])[g % 5 + 1] || '-' || lpad(g::text, 6, '0') || '-k' || lpad(((g * 37) % 100)::text, 2, '0') || 'q',
                   md5('bench-instance-' || g)::uuid,
                   CASE WHEN g % 10 = 0 THEN 'stopped' ELSE 'running' END,
                   'bench-host-' || (g % @hosts + 1),
                   'ami-' || to_hex(@base + g % @images + 1),
                   1 + g % 4, 512 * (1 + g % 8), 'bulk-loaded for the controller benchmark',
                   timestamptz '2026-01-01' + g * interval '1 second'
            FROM generate_series(1, @instances) g
            """);
        // Four volumes in five are the boot disk of the instance with the same number; the rest are free data volumes.
        await Step("volumes", """
            INSERT INTO volumes (volume_id, volume_name, volume_size, image_id, instance_id, device, is_boot, status, describe, create_time)
            SELECT 'vol-' || to_hex(@base + g),
                   'disk-' || lpad(g::text, 6, '0') || '-k' || lpad(((g * 53) % 100)::text, 2, '0') || 'q',
                   CASE WHEN boot THEN 20 ELSE 1 + g % 100 END,
                   CASE WHEN boot THEN 'ami-' || to_hex(@base + g % @images + 1) END,
                   CASE WHEN boot THEN 'i-' || to_hex(@base + g) END,
                   CASE WHEN boot THEN 'vda' END,
                   boot,
                   CASE WHEN boot THEN 'in-use' ELSE 'available' END,
                   'bulk-loaded', timestamptz '2026-01-01' + g * interval '1 second'
            FROM generate_series(1, @volumes) g, LATERAL (SELECT g <= @instances AND g % 5 <> 0 AS boot) b
            """);
        await Step("nics", """
            INSERT INTO network_interfaces (nic_id, nic_name, network_id, mac, ip, instance_id, attach_time, status, describe, create_time)
            SELECT 'nic-' || to_hex(@base + g), 'eth0', 'bench-net',
                   ('52:54:01:' || lpad(to_hex((g >> 16) & 255), 2, '0') || ':' || lpad(to_hex((g >> 8) & 255), 2, '0') || ':' || lpad(to_hex(g & 255), 2, '0'))::macaddr,
                   '10.64.0.10'::inet + g, 'i-' || to_hex(@base + g), now(), 'attached', '', timestamptz '2026-01-01' + g * interval '1 second'
            FROM generate_series(1, @instances) g
            """);
        // VACUUM too: autovacuum would set the visibility map (index-only scans) at some moment during the run.
        await Step("vacuum analyze", "VACUUM (ANALYZE) hosts, images, networks, instances, volumes, network_interfaces, instance_name_suffixes, volume_name_suffixes, nic_name_suffixes, row_count_deltas");
        return $"{string.Join(", ", steps)}; {began.Elapsed.TotalSeconds:F1} s in all";
    }

    // ---- The stores' SQL (controller/Platform.Controller: InstanceStore.SearchAsync/DevicesOfAsync, VolumeStore.ListAsync) ----
    // ListQuery.cs is compiled into this program from the controller's source, so the statements are the same text.

    public const string InstanceColumns =
        """
        i.instance_id, i.instance_name, i.uuid, i.status, i.error, i.host_id, h.host_ip, h.grpc_endpoint, i.image_id,
        i.cpu, i.memory, i.describe, extract(epoch FROM i.create_time)::bigint AS create_time
        """;

    public const string VolumeColumns =
        "volume_id, volume_name, volume_size, image_id, instance_id, device, is_boot, status, error, describe, extract(epoch FROM create_time)::bigint AS create_time";

    public static readonly ListQuery InstanceList = new(
        "instances", "i", "instance_id", "instance_name_suffixes", InstanceColumns, "LEFT JOIN hosts h ON h.host_id = i.host_id");

    public static readonly ListQuery VolumeList = new("volumes", "v", "volume_id", "volume_name_suffixes", VolumeColumns);

    public const string Devices =
        """
        SELECT volume_id, volume_name, volume_size, device, is_boot, status, instance_id, describe, extract(epoch FROM create_time)::bigint AS create_time FROM volumes WHERE instance_id = ANY(@ids) ORDER BY is_boot DESC, device, volume_id;
        SELECT n.nic_id AS network_interface_id, n.nic_name AS network_interface_name, n.mac::text AS mac, host(n.ip) AS ip, w.bridge, n.status, n.instance_id, extract(epoch FROM n.create_time)::bigint AS create_time FROM network_interfaces n JOIN networks w ON w.network_id = n.network_id WHERE n.instance_id = ANY(@ids) ORDER BY n.create_time, n.nic_id;
        """;

    /// <summary>What InstanceQueries.SearchAsync does against the database: the page statement, then the page's devices in one round trip.</summary>
    public static async Task<int> InstancePageAsync(NpgsqlDataSource database, string? name, int offset, int limit)
    {
        List<dynamic> items;
        await using (var connection = await database.OpenConnectionAsync())
        {
            (_, items) = await InstanceList.Build(name is not null, []).ReadAsync<dynamic>(connection, new { name, offset, limit }, offset, CancellationToken.None);
        }
        if (items.Count == 0)
        {
            return 0;
        }
        await using (var connection = await database.OpenConnectionAsync())
        {
            await using var devices = await connection.QueryMultipleAsync(Devices, new { ids = items.Select(i => (string)i.instance_id).ToArray() });
            _ = (await devices.ReadAsync()).AsList();
            _ = (await devices.ReadAsync()).AsList();
        }
        return items.Count;
    }

    /// <summary>What VolumeStore.ListAsync does: the page statement.</summary>
    public static async Task<int> VolumePageAsync(NpgsqlDataSource database, string? name, int offset, int limit)
    {
        await using var connection = await database.OpenConnectionAsync();
        var (_, items) = await VolumeList.Build(name is not null, []).ReadAsync<dynamic>(connection, new { name, offset, limit }, offset, CancellationToken.None);
        return items.Count;
    }

    public static void AddListParameters(NpgsqlCommand command, string? name, int offset, int limit)
    {
        if (name is not null)
        {
            command.Parameters.AddWithValue("name", name);
        }
        command.Parameters.AddWithValue("offset", offset);
        command.Parameters.AddWithValue("limit", limit);
    }

    // ---- The same lists as the controller ran them before migration 0003, for the comparison in the same run ----

    /// <summary>The trigram indexes 0003 dropped; the comparison creates them for its run and drops them after.</summary>
    public const string CreateTrigramIndexes =
        """
        CREATE INDEX IF NOT EXISTS bench_instances_name_trgm ON instances USING gin (lower(instance_name) gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS bench_volumes_name_trgm ON volumes USING gin (lower(volume_name) gin_trgm_ops);
        ANALYZE instances, volumes;
        """;

    public const string DropTrigramIndexes = "DROP INDEX IF EXISTS bench_instances_name_trgm, bench_volumes_name_trgm";

    private const string TrigramWhere = "WHERE (@pattern::text IS NULL OR lower(i.instance_name) LIKE @pattern)";

    /// <summary>count(*) and the deferred-join page over LIKE '%tag%', as InstanceStore ran them before.</summary>
    public const string TrigramInstanceSearch =
        $"""
        SELECT count(*) FROM instances i {TrigramWhere};
        SELECT {InstanceColumns}
        FROM (SELECT i.instance_id FROM instances i {TrigramWhere} ORDER BY i.create_time DESC, i.instance_id LIMIT @limit OFFSET @offset) page
        JOIN instances i ON i.instance_id = page.instance_id LEFT JOIN hosts h ON h.host_id = i.host_id
        ORDER BY i.create_time DESC, i.instance_id;
        """;

    /// <summary>The instance search as it ran before 0003: count + page in one batch, on a data source that does not prepare (as the controller then).</summary>
    public static async Task<int> TrigramInstancePageAsync(NpgsqlDataSource database, string? name, int offset, int limit)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var results = await connection.QueryMultipleAsync(TrigramInstanceSearch,
            new { pattern = name is null ? null : "%" + name.ToLowerInvariant() + "%", offset, limit });
        _ = await results.ReadSingleAsync<long>();
        return (await results.ReadAsync()).AsList().Count;
    }

    /// <summary>
    /// EXPLAIN (ANALYZE, BUFFERS) of one statement: the plan lines. Without per-node timing: on this
    /// virtual machine two clock reads per row and node made a 1 ms search report 12 ms.
    /// </summary>
    public static async Task<List<string>> ExplainAsync(NpgsqlDataSource database, string sql, Action<NpgsqlCommand> parameters)
    {
        await using var command = database.CreateCommand("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql);
        parameters(command);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }
        return lines;
    }
}

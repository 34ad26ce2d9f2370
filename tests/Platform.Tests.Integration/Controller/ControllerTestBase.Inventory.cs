namespace Platform.Tests.Integration.Controller;

/// <summary>The inventory read and staged directly with SQL, beside the REST API the tests drive.</summary>
public abstract partial class ControllerTestBase
{
    /// <summary>One value from the inventory, read with SQL (not through the controller).</summary>
    protected async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Database.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    /// <summary>Runs one statement on the inventory directly (to stage a state the API cannot reach).</summary>
    protected async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Database.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// An instance row (and an image row for it) placed on this fixture's host, written with SQL:
    /// for rules that only read the inventory. No libvirtd has it, so fixtures using it keep
    /// reconciliation out of the way.
    /// </summary>
    protected async Task<string> InsertInstanceAsync(string status)
    {
        var imageId = "ami-" + Guid.NewGuid().ToString("N")[..8];
        var instanceId = "i-" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync("INSERT INTO images (image_id, image_name, image_size, os_type, status) VALUES (@id, 'sql', 1048576, 'Linux', 'available')", ("id", imageId));
        await ExecuteAsync(
            "INSERT INTO instances (instance_id, instance_name, uuid, status, host_id, image_id, cpu, memory) VALUES (@i, 'sql', gen_random_uuid(), @s, @h, @img, 1, 128)",
            ("i", instanceId), ("s", status), ("h", HostId), ("img", imageId));
        return instanceId;
    }

    protected Task<long> CountAsync(string table) => ScalarAsync<long>($"SELECT count(*) FROM {table}")!;

    /// <summary>Row counts of every inventory table and the audit trail: what "nothing changed" compares.</summary>
    protected async Task<string> InventorySnapshotAsync()
    {
        var counts = new List<string>();
        foreach (var table in new[] { "images", "volumes", "network_interfaces", "instances", "tasks", "resource_locks", "audit_events" })
        {
            counts.Add($"{table}={await CountAsync(table)}");
        }
        return string.Join(" ", counts);
    }
}

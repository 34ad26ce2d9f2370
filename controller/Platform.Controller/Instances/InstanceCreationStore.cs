using Dapper;
using Npgsql;

namespace Platform.Controller.Instances;

/// <summary>The rows instance create writes in one transaction: the instance, its volumes, its NICs.</summary>
internal static class InstanceCreationStore
{
    public static Task<string?> LockImageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string imageId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT status FROM images WHERE image_id = @imageId FOR SHARE", new { imageId }, transaction, cancellationToken: ct));

    public static async Task<long> ImageSizeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string imageId, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT image_size FROM images WHERE image_id = @imageId", new { imageId }, transaction, cancellationToken: ct));

    /// <summary>Status of each requested volume (locked); ids that do not exist are absent.</summary>
    public static async Task<Dictionary<string, string>> LockVolumesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<string> volumeIds, CancellationToken ct) =>
        (await connection.QueryAsync<(string Id, string Status)>(new CommandDefinition(
            "SELECT volume_id, status FROM volumes WHERE volume_id = ANY(@ids) FOR UPDATE", new { ids = volumeIds.ToArray() }, transaction, cancellationToken: ct)))
        .ToDictionary(v => v.Id, v => v.Status, StringComparer.Ordinal);

    public static async Task<Dictionary<string, string>> LockNicsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<string> nicIds, CancellationToken ct) =>
        (await connection.QueryAsync<(string Id, string Status)>(new CommandDefinition(
            "SELECT nic_id, status FROM network_interfaces WHERE nic_id = ANY(@ids) FOR UPDATE", new { ids = nicIds.ToArray() }, transaction, cancellationToken: ct)))
        .ToDictionary(v => v.Id, v => v.Status, StringComparer.Ordinal);

    public static Task InsertInstanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string instanceId, CreateInstance request, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO instances (instance_id, instance_name, uuid, status, image_id, cpu, memory, describe)
            VALUES (@instanceId, @Name, gen_random_uuid(), 'creating', @ImageId, @Cpu, @MemoryMib, @Describe)
            """, new { instanceId, request.Name, request.ImageId, request.Cpu, request.MemoryMib, request.Describe }, transaction, cancellationToken: ct));

    public static Task InsertVolumeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string volumeId, string name, int sizeGib, string? imageId,
        string instanceId, string device, bool isBoot, string describe, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO volumes (volume_id, volume_name, volume_size, image_id, instance_id, device, is_boot, status, describe)
            VALUES (@volumeId, @name, @sizeGib, @imageId, @instanceId, @device, @isBoot, 'creating', @describe)
            """, new { volumeId, name, sizeGib, imageId, instanceId, device, isBoot, describe }, transaction, cancellationToken: ct));

    public static Task TakeVolumeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string volumeId, string instanceId, string device, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE volumes SET status = 'attaching', instance_id = @instanceId, device = @device, error = NULL WHERE volume_id = @volumeId",
            new { volumeId, instanceId, device }, transaction, cancellationToken: ct));

    public static Task TakeNicAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string nicId, string instanceId, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE network_interfaces SET status = 'attaching', instance_id = @instanceId, error = NULL WHERE nic_id = @nicId",
            new { nicId, instanceId }, transaction, cancellationToken: ct));
}

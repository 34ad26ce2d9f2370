using System.Security.Cryptography;
using Dapper;
using Npgsql;
using Platform.Controller.Inventory;

namespace Platform.Controller.Networks;

/// <summary>
/// Inserts NICs with a unique MAC and the lowest free address of its network, inside
/// the caller's transaction, so a NIC made for an instance commits (or not) with the instance.
/// </summary>
internal static class NicAllocator
{
    // Each failed attempt means some concurrent insert won (and committed) that MAC or address,
    // so a loser only retries as many times as there are concurrent winners.
    private const int MaxAttempts = 64;

    /// <summary>
    /// Inserts the NIC and answers its row. Throws <see cref="NoAddressLeftException"/> when the
    /// range is full (the caller maps it to ApiErrorCode.NoAddressLeft).
    /// </summary>
    public static async Task<NicRecord> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, NewNic nic, CancellationToken ct)
    {
        var networkId = nic.NetworkId;
        for (var attempt = 1; ; attempt++)
        {
            var ip = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(LowestFreeAddress, new { networkId }, transaction, cancellationToken: ct))
                ?? throw new NoAddressLeftException(networkId);
            // A savepoint keeps the caller's transaction usable after a unique violation.
            await transaction.SaveAsync("nic_insert", ct);
            try
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO network_interfaces (nic_id, nic_name, network_id, mac, ip, instance_id, attach_time, status, describe)
                    VALUES (@NicId, @Name, @networkId, @mac::macaddr, @ip::inet, @InstanceId,
                            CASE WHEN @InstanceId::text IS NULL THEN NULL ELSE now() END, @Status, @Describe)
                    """,
                    new { nic.NicId, nic.Name, networkId, mac = NewMac(), ip, nic.InstanceId, nic.Status, nic.Describe }, transaction, cancellationToken: ct));
                await transaction.ReleaseAsync("nic_insert", ct);
                break;
            }
            catch (PostgresException e) when (e.IsUniqueViolation() && e.ConstraintName != "network_interfaces_pkey" && attempt < MaxAttempts)
            {
                // Another NIC took this MAC or address first; the next attempt sees it committed.
                await transaction.RollbackAsync("nic_insert", ct);
            }
        }
        return await connection.QuerySingleAsync<NicRecord>(new CommandDefinition(
            $"SELECT {NicRecord.Columns} FROM {NicRecord.From} WHERE x.nic_id = @NicId", new { nic.NicId }, transaction, cancellationToken: ct));
    }

    /// <summary>A random locally administered QEMU/KVM MAC: 52:54:00 and three random bytes.</summary>
    public static string NewMac() => FormatMac(RandomNumberGenerator.GetBytes(3));

    public static string FormatMac(ReadOnlySpan<byte> suffix) =>
        suffix.Length == 3
            ? $"52:54:00:{suffix[0]:x2}:{suffix[1]:x2}:{suffix[2]:x2}"
            : throw new ArgumentException("a MAC suffix is 3 bytes", nameof(suffix));

    // The lowest free address is either the range start or one past an address in use (the first
    // of a gap), never the gateway; this reads only the NICs, not every address of the range.
    // Addresses are stored without a prefix length (/32), so inet equality is address equality.
    private const string LowestFreeAddress =
        """
        WITH net AS (SELECT network_id, range_start, range_end, gateway FROM networks WHERE network_id = @networkId),
        candidate AS (
            SELECT range_start AS ip FROM net
            UNION SELECT gateway + 1 FROM net WHERE gateway IS NOT NULL AND gateway < '255.255.255.255'::inet
            UNION SELECT x.ip + 1 FROM network_interfaces x JOIN net USING (network_id) WHERE x.ip < net.range_end)
        SELECT host(c.ip) FROM candidate c, net
        WHERE c.ip BETWEEN net.range_start AND net.range_end
          AND (net.gateway IS NULL OR c.ip <> net.gateway)
          AND NOT EXISTS (SELECT 1 FROM network_interfaces x WHERE x.network_id = net.network_id AND x.ip = c.ip)
        ORDER BY c.ip
        LIMIT 1
        """;
}

using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Platform.Controller.Networks;

internal static class NetworkSeeding
{
    /// <summary>
    /// Upserts the configured network into networks (after migrations, before serving), so a
    /// changed bridge or range in the configuration takes effect at the next start. Addresses are
    /// stored without a prefix length: NicAllocator compares them as plain addresses.
    /// </summary>
    public static async Task SeedNetworksAsync(this WebApplication app)
    {
        var network = app.Services.GetRequiredService<IOptions<NetworkOptions>>().Value;
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync(app.Lifetime.ApplicationStopping);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO networks (network_id, bridge, cidr, gateway, range_start, range_end)
            VALUES (@Id, @Bridge, @Cidr::cidr, host(NULLIF(@Gateway, '')::inet)::inet, host(@RangeStart::inet)::inet, host(@RangeEnd::inet)::inet)
            ON CONFLICT (network_id) DO UPDATE SET bridge = excluded.bridge, cidr = excluded.cidr, gateway = excluded.gateway,
                                                   range_start = excluded.range_start, range_end = excluded.range_end
            """, network, cancellationToken: app.Lifetime.ApplicationStopping));
    }
}

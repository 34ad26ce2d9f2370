using Npgsql;

namespace Platform.Controller.Inventory;

internal static class InventoryDatabaseExtensions
{
    public const string ConnectionStringName = "Inventory";

    /// <summary>One NpgsqlDataSource for the process (it owns the connection pool) and its health check.</summary>
    public static WebApplicationBuilder AddInventoryDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not configured (set it in /etc/platform/controller.json or PLATFORM_ConnectionStrings__{ConnectionStringName})");
        }

        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString)
        {
            Name = "inventory",
        }.Build());
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres");
        return builder;
    }
}

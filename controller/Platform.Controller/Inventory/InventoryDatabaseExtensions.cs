using Npgsql;

namespace Platform.Controller.Inventory;

internal static class InventoryDatabaseExtensions
{
    public const string ConnectionStringName = "Inventory";

    /// <summary>One NpgsqlDataSource for the process (it owns the connection pool), migrations and the health check.</summary>
    public static WebApplicationBuilder AddInventoryDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not configured (set it in /etc/platform/controller.json or PLATFORM_ConnectionStrings__{ConnectionStringName})");
        }

        // Columns are snake_case, record properties PascalCase.
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        builder.Services.AddSingleton(_ =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString) { Name = "inventory" };
            // The list and search endpoints run a handful of statement shapes very often:
            // prepared once per connection, they skip parsing and planning on every request.
            if (dataSource.ConnectionStringBuilder.MaxAutoPrepare == 0)
            {
                dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64;
            }
            return dataSource.Build();
        });
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres");
        return builder;
    }

    /// <summary>Brings the schema up to date before the controller serves anything.</summary>
    public static async Task MigrateInventoryAsync(this WebApplication app) =>
        await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync(app.Lifetime.ApplicationStopping);
}

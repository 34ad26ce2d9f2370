using Npgsql;
using Platform.Common.Hosting;

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
            throw new StartupFailureException(
                $"ConnectionStrings:{ConnectionStringName} is not configured (set it in /etc/platform/controller.json or PLATFORM_ConnectionStrings__{ConnectionStringName})",
                StartupFailure.ConfigurationExitCode);
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
    public static async Task MigrateInventoryAsync(this WebApplication app)
    {
        try
        {
            await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync(app.Lifetime.ApplicationStopping);
        }
        catch (NpgsqlException e) when (StartupFailureOf(e, app.Services.GetRequiredService<NpgsqlDataSource>()) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// A database refusing these credentials or missing is a setting to fix; one not answering
    /// may come back, so systemd's restart policy retries it. A failing migration is a bug.
    /// </summary>
    private static StartupFailureException? StartupFailureOf(NpgsqlException exception, NpgsqlDataSource dataSource)
    {
        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        var where = $"{settings.Host}:{settings.Port}/{settings.Database}";
        return exception switch
        {
            PostgresException { SqlState: var state } when state.StartsWith("28", StringComparison.Ordinal) || state == PostgresErrorCodes.InvalidCatalogName =>
                new StartupFailureException($"the inventory database {where} refused the connection: {exception.Message} (ConnectionStrings:{ConnectionStringName})", StartupFailure.ConfigurationExitCode, exception),
            PostgresException => null,
            _ => new StartupFailureException($"the inventory database {where} cannot be reached: {exception.InnerException?.Message ?? exception.Message}", StartupFailure.UnavailableExitCode, exception),
        };
    }
}

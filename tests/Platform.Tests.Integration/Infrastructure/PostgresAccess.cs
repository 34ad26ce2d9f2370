using Npgsql;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// A PostgreSQL as postgres.sh publishes it (its postgres.env): the superuser over the Unix socket
/// (peer authentication) for what only an administrator does — creating and dropping databases,
/// checking from outside — and the application role over TCP (scram, the password in a pgpass
/// file), the only connection a controller is ever given.
/// </summary>
internal sealed class PostgresAccess(ComponentSettings settings)
{
    /// <summary>The superuser's connection string (database postgres).</summary>
    public string AdminConnection => settings["PLATFORM_PG_ADMIN_CONNECTION"];

    /// <summary>The application role's connection string (database platform).</summary>
    public string ApplicationConnection => settings["PLATFORM_PG_CONNECTION"];

    /// <summary>The application role: no superuser, no CREATEDB, no CREATEROLE.</summary>
    public string ApplicationRole => settings["PLATFORM_PG_ROLE"];

    /// <summary>The superuser on <paramref name="database"/>.</summary>
    public string Admin(string database) => new NpgsqlConnectionStringBuilder(AdminConnection) { Database = database }.ConnectionString;

    /// <summary>The application role on <paramref name="database"/>.</summary>
    public string Application(string database) => new NpgsqlConnectionStringBuilder(ApplicationConnection) { Database = database }.ConnectionString;

    /// <summary>
    /// The application role on <paramref name="database"/> with its password inline instead of the
    /// pgpass file: for a daemon running as another user, who cannot read the root-only file.
    /// </summary>
    public string ApplicationWithPassword(string database)
    {
        // The file's one line: *:*:*:ROLE:PASSWORD (postgres.sh writes no ':' or '\' into it).
        var fields = File.ReadAllText(settings["PLATFORM_PG_PASSFILE"]).Trim().Split(':');
        return new NpgsqlConnectionStringBuilder(Application(database)) { Passfile = null, Password = fields[^1] }.ConnectionString;
    }

    /// <summary>Creates <paramref name="database"/> as the superuser, owned by the application role (as postgres.sh does with the platform database).</summary>
    public Task CreateDatabaseAsync(string database) => ExecuteAsync($"CREATE DATABASE {database} OWNER {ApplicationRole}");

    /// <summary>Drops <paramref name="database"/>, ending its sessions.</summary>
    public Task DropDatabaseAsync(string database) => ExecuteAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnection);
        // A fixture that restarted its PostgreSQL left dead connections in the pool.
        NpgsqlConnection.ClearPool(connection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

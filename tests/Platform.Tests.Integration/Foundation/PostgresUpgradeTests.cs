using Npgsql;
using Platform.Tests.Integration.Controller;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Foundation;

/// <summary>
/// A state directory from before postgres.sh had roles — every local user trusted, the platform
/// database and its tables the superuser's, no application role, no password file — is brought
/// up to date by <c>postgres.sh start</c> on the running server, and a second start changes nothing.
/// </summary>
[NonParallelizable]
public class PostgresUpgradeTests
{
    private static readonly string[] OlderAccessRules =
    [
        "local all all trust",
        "host all all 127.0.0.1/32 trust",
    ];

    // A port that is free now, not a fixed base: nothing else this fixture starts needs one.
    private readonly OwnPostgres _postgres = new("pg-upgrade", DaemonProcess.FreeLoopbackPort());

    [TearDown]
    public Task RemovePostgresAsync() => _postgres.RemoveAsync();

    [Test]
    public async Task Start_replaces_trust_creates_the_role_and_hands_it_the_platform_database()
    {
        var access = new PostgresAccess(await _postgres.StartAsync());
        var dataDirectory = new NpgsqlConnectionStringBuilder(access.AdminConnection).Host!;
        var passfile = new NpgsqlConnectionStringBuilder(access.ApplicationConnection).Passfile!;
        await MakeOlderStateAsync(access, dataDirectory, passfile);
        Assert.That(await ScalarAsync(SuperuserOverTcp(access), "SELECT current_user"), Is.EqualTo("postgres"), "the older state trusts TCP");

        (await _postgres.RunAsync("start")).EnsureSuccess();
        var password = await File.ReadAllTextAsync(passfile);
        (await _postgres.RunAsync("start")).EnsureSuccess();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(SuperuserOverTcp(access), "SELECT 1"));
        var platform = access.Admin("platform");
        var trustRules = await ScalarAsync(access.AdminConnection, "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'trust'");
        var privileged = await ScalarAsync(access.AdminConnection, "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = 'platform'");
        var databaseOwner = await ScalarAsync(access.AdminConnection, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'platform'");
        var tableOwners = await ScalarAsync(platform,
            "SELECT string_agg(DISTINCT relowner::regrole::text, ',') FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname LIKE 'legacy%'");
        var functionOwner = await ScalarAsync(platform, "SELECT proowner::regrole::text FROM pg_proc WHERE proname = 'legacy_double'");
        var extensionMembers = await ScalarAsync(platform, "SELECT count(*) FROM pg_proc WHERE proname = 'similarity' AND proowner = 'postgres'::regrole");
        Assert.Multiple(() =>
        {
            Assert.That(refused!.SqlState, Is.EqualTo(PostgresErrorCodes.InvalidAuthorizationSpecification), "the server reloaded the new rules");
            Assert.That(trustRules, Is.EqualTo(0L));
            Assert.That(privileged, Is.EqualTo(false));
            Assert.That(databaseOwner, Is.EqualTo("platform"));
            Assert.That(tableOwners, Is.EqualTo("platform"), "the table, its index and its sequence");
            Assert.That(functionOwner, Is.EqualTo("platform"));
            Assert.That(extensionMembers, Is.EqualTo(1L), "an extension's members stay the superuser's");
            Assert.That(File.GetUnixFileMode(passfile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.ReadAllText(passfile), Is.EqualTo(password), "a second start keeps the password");
        });
        // What the controller does with it: write through the sequence, in a table it now owns.
        Assert.That(await ScalarAsync(access.ApplicationConnection, "INSERT INTO legacy DEFAULT VALUES RETURNING legacy_double(id)"), Is.EqualTo(2L));
    }

    /// <summary>What an older postgres.sh left: trust, the database and its objects the superuser's, no role and no password file.</summary>
    private static async Task MakeOlderStateAsync(PostgresAccess access, string dataDirectory, string passfile)
    {
        await ExecuteAsync(access.AdminConnection, "DROP DATABASE platform WITH (FORCE)", "DROP ROLE platform", "CREATE DATABASE platform");
        await ExecuteAsync(access.Admin("platform"),
            "CREATE EXTENSION pg_trgm",
            "CREATE TABLE legacy (id bigserial PRIMARY KEY)",
            "CREATE FUNCTION legacy_double(n bigint) RETURNS bigint LANGUAGE sql AS 'SELECT n * 2'");
        File.Delete(passfile);
        // Root writes into the existing file: its owner (postgres) and mode stay.
        await File.WriteAllLinesAsync(Path.Combine(dataDirectory, "pg_hba.conf"), OlderAccessRules);
        await ExecuteAsync(access.AdminConnection, "SELECT pg_reload_conf()");
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                return await ScalarAsync(SuperuserOverTcp(access), "SELECT 1") is 1;
            }
            catch (PostgresException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10), "the older rules in force");
    }

    private static string SuperuserOverTcp(PostgresAccess access) =>
        new NpgsqlConnectionStringBuilder(access.ApplicationConnection) { Username = "postgres", Database = "postgres", Passfile = null, Pooling = false }.ConnectionString;

    private static async Task ExecuteAsync(string connectionString, params string[] statements)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}

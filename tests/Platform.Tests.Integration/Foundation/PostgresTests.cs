using Npgsql;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Foundation;

public class PostgresTests
{
    [Test]
    public async Task Reaches_the_test_cluster_and_round_trips_rows()
    {
        var connectionString = TestEnvironment.Require("postgres")["PLATFORM_PG_CONNECTION"];
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        var table = "t_" + Guid.NewGuid().ToString("N");

        await using (var create = new NpgsqlCommand($"CREATE TABLE {table} (id int PRIMARY KEY, name text NOT NULL)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        try
        {
            await using (var insert = new NpgsqlCommand($"INSERT INTO {table} VALUES ($1, $2), ($3, $4)", connection))
            {
                insert.Parameters.Add(new() { Value = 1 });
                insert.Parameters.Add(new() { Value = "one" });
                insert.Parameters.Add(new() { Value = 2 });
                insert.Parameters.Add(new() { Value = "two" });
                Assert.That(await insert.ExecuteNonQueryAsync(), Is.EqualTo(2));
            }

            await using var select = new NpgsqlCommand($"SELECT string_agg(name, ',' ORDER BY id), current_setting('server_version_num')::int FROM {table}", connection);
            await using var reader = await select.ExecuteReaderAsync();
            Assert.That(await reader.ReadAsync(), Is.True);
            Assert.Multiple(() =>
            {
                Assert.That(reader.GetString(0), Is.EqualTo("one,two"));
                Assert.That(reader.GetInt32(1), Is.GreaterThanOrEqualTo(150000), "PostgreSQL 15 or newer");
            });
        }
        finally
        {
            await using var drop = new NpgsqlCommand($"DROP TABLE {table}", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Test]
    public async Task Listens_on_loopback_only()
    {
        var connectionString = TestEnvironment.Require("postgres")["PLATFORM_PG_CONNECTION"];
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT current_setting('listen_addresses')");

        Assert.That(await command.ExecuteScalarAsync(), Is.EqualTo("127.0.0.1"));
    }
}

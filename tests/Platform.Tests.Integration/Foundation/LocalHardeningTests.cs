using System.Text.Json;
using Grpc.Net.Client;
using Npgsql;
using Platform.Contracts.Agent.V1;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Foundation;

/// <summary>
/// The environment packaging/scripts start gives a local user other than root nothing to use:
/// PostgreSQL trusts no one, the controller's role can neither run programs nor read the
/// server's files, logs, configuration, env files and the agent's journal are not
/// world-readable, and the files holding secrets (private keys, passwords, tokens) are root's alone.
/// </summary>
public class LocalHardeningTests
{
    private const UnixFileMode WorldAccess = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
    private const UnixFileMode GroupAccess = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;

    [Test]
    public async Task The_controller_connects_as_a_role_that_is_no_superuser_and_cannot_run_programs()
    {
        var postgres = new PostgresAccess(TestEnvironment.Require("postgres"));
        TestEnvironment.Require("hosts");
        var configured = new NpgsqlConnectionStringBuilder(ControllerInventoryConnection());
        Assert.Multiple(() =>
        {
            Assert.That(configured.Username, Is.EqualTo(postgres.ApplicationRole).And.Not.EqualTo("postgres"), "controller.json names the application role");
            Assert.That(configured.Password, Is.Null, "controller.json holds no password");
            Assert.That(File.GetUnixFileMode(configured.Passfile!), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "the password file is root's alone");
        });

        await using var dataSource = NpgsqlDataSource.Create(configured.ConnectionString);
        await using (var privileges = dataSource.CreateCommand(
            """
            SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls,
                   pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER')
                       OR pg_has_role(current_user, 'pg_read_server_files', 'MEMBER')
                       OR pg_has_role(current_user, 'pg_write_server_files', 'MEMBER')
            FROM pg_roles WHERE rolname = current_user
            """))
        await using (var reader = await privileges.ExecuteReaderAsync())
        {
            Assert.That(await reader.ReadAsync(), Is.True);
            Assert.That((reader.GetBoolean(0), reader.GetBoolean(1)), Is.EqualTo((false, false)), "no role attribute or membership beyond logging in");
        }

        var marker = Path.Combine("/var/tmp", "platform-copy-to-program-" + Guid.NewGuid().ToString("N"));
        await using var copy = dataSource.CreateCommand($"COPY (SELECT 1) TO PROGRAM 'touch {marker}'");
        var refused = await Assert.ThrowsAsync<PostgresException>(() => copy.ExecuteNonQueryAsync());
        Assert.Multiple(() =>
        {
            Assert.That(refused!.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), refused.MessageText);
            Assert.That(File.Exists(marker), Is.False, "the program did not run");
        });

        // The running controller, not only its configuration: every session on its database is the role's.
        await using var admin = NpgsqlDataSource.Create(postgres.AdminConnection);
        await using var sessions = admin.CreateCommand(
            "SELECT usename FROM pg_stat_activity WHERE datname = @database AND backend_type = 'client backend' AND pid <> pg_backend_pid()");
        sessions.Parameters.AddWithValue("database", configured.Database!);
        await Eventually.HoldsAsync(async () =>
        {
            var users = new List<string>();
            await using var reader = await sessions.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                users.Add(reader.GetString(0));
            }
            return users.Count > 0 && users.All(u => u == postgres.ApplicationRole);
        }, TimeSpan.FromSeconds(30), $"the controller's sessions on {configured.Database} are all {postgres.ApplicationRole}'s");
    }

    [Test]
    public async Task Without_the_password_the_application_role_is_refused_and_the_superuser_has_only_the_socket()
    {
        var postgres = new PostgresAccess(TestEnvironment.Require("postgres"));
        var socket = new NpgsqlConnectionStringBuilder(postgres.AdminConnection);
        var application = new NpgsqlConnectionStringBuilder(postgres.ApplicationConnection) { Passfile = null, Pooling = false };

        var overSocket = await RefusalAsync(new NpgsqlConnectionStringBuilder(application.ConnectionString) { Host = socket.Host });
        var wrongPassword = await RefusalAsync(new NpgsqlConnectionStringBuilder(application.ConnectionString) { Password = "not-the-password" });
        var noPassword = await Assert.ThrowsAsync<NpgsqlException>(() => OpenAsync(application.ConnectionString));
        var superuserOverTcp = await RefusalAsync(new NpgsqlConnectionStringBuilder(application.ConnectionString) { Username = "postgres", Database = "postgres" });
        Assert.Multiple(() =>
        {
            Assert.That(overSocket.SqlState, Is.EqualTo(PostgresErrorCodes.InvalidAuthorizationSpecification), overSocket.MessageText);
            Assert.That(wrongPassword.SqlState, Is.EqualTo(PostgresErrorCodes.InvalidPassword), wrongPassword.MessageText);
            Assert.That(noPassword!.Message, Does.Contain("password"), "the server asked for a password the client did not have");
            Assert.That(superuserOverTcp.SqlState, Is.EqualTo(PostgresErrorCodes.InvalidAuthorizationSpecification), superuserOverTcp.MessageText);
        });
    }

    [Test]
    public async Task No_access_rule_trusts_anyone()
    {
        var postgres = new PostgresAccess(TestEnvironment.Require("postgres"));
        await using var dataSource = NpgsqlDataSource.Create(postgres.AdminConnection);
        var rules = new List<(string Type, string[] Users, string Method, string? Error)>();
        await using (var command = dataSource.CreateCommand("SELECT type, user_name, auth_method, error FROM pg_hba_file_rules ORDER BY line_number"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rules.Add((reader.GetString(0), reader.GetFieldValue<string[]>(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }
        await using var encryption = dataSource.CreateCommand("SHOW password_encryption");
        var passwordEncryption = await encryption.ExecuteScalarAsync();

        var described = string.Join("; ", rules.Select(r => $"{r.Type} {string.Join(',', r.Users)} {r.Method} {r.Error}"));
        Assert.Multiple(() =>
        {
            Assert.That(rules, Is.Not.Empty);
            Assert.That(rules.Where(r => r.Method == "trust"), Is.Empty, described);
            Assert.That(rules.Where(r => r.Error is not null), Is.Empty, described);
            Assert.That(rules.Where(r => r.Users.Contains(postgres.ApplicationRole)).Select(r => (r.Type, r.Method)),
                Is.EqualTo(new[] { ("host", "scram-sha-256") }), described);
            Assert.That(rules.Where(r => r.Users.Contains("postgres")).Select(r => (r.Type, r.Method)),
                Is.EqualTo(new[] { ("local", "peer") }), described);
            Assert.That(rules.Where(r => r.Users.Contains("all")), Is.Empty, "every rule names its role: " + described);
            Assert.That(passwordEncryption, Is.EqualTo("scram-sha-256"));
        });
    }

    /// <summary>
    /// What the scripts and daemons guarantee: logs (every file under log/, the tests' daemons'
    /// in log/daemons too), configuration, env files and the journal give the world nothing;
    /// what holds a secret (the first admin password, the private keys, the database and CLI
    /// credentials) is its owner's alone.
    /// </summary>
    [Test]
    public void Logs_configuration_env_files_and_the_journal_have_no_world_access_and_secrets_are_the_owners_alone()
    {
        TestEnvironment.Require("postgres");
        TestEnvironment.Require("hosts");
        var state = TestEnvironment.StateDirectory;
        var etc = Path.Combine(state, "etc");
        var files = Directory.GetFiles(Path.Combine(state, "log"), "*", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(etc, "*.json"))
            .Concat(Directory.GetFiles(state, "*.env"))
            .ToList();
        // The agent opens its journal with its first operation.
        var journal = Path.Combine(state, "agent", "operations.journal");
        if (File.Exists(journal))
        {
            files.Add(journal);
        }
        var secrets = Directory.GetFiles(Path.Combine(etc, "pki"), "*.key")
            .Concat(Directory.GetFiles(etc, "*.pgpass"))
            .Append(Path.Combine(etc, "admin-password"))
            .Append(Path.Combine(etc, "platformctl.json"))
            .ToList();

        var open = files.Concat(secrets).Where(f => (File.GetUnixFileMode(f) & WorldAccess) != 0).Select(Described);
        var shared = secrets.Where(f => (File.GetUnixFileMode(f) & (GroupAccess | WorldAccess)) != 0).Select(Described);
        Assert.Multiple(() =>
        {
            Assert.That(files.Select(Path.GetFileName), Does.Contain("controller.json").And.Contain("postgres.log").And.Contain("controller.log").And.Contain("postgres.env"));
            Assert.That(secrets.Select(Path.GetFileName), Is.SupersetOf(new[] { "ca.key", "controller.key", "agent.key", "admin.key", "admin-password", "platformctl.json" }));
            Assert.That(open, Is.Empty, "world access");
            Assert.That(shared, Is.Empty, "a secret readable by others than its owner");
        });
    }

    private static string Described(string file) => $"{file} {Convert.ToString((int)File.GetUnixFileMode(file), 8)}";

    [Test]
    public async Task The_agent_keeps_its_journal_to_itself_whatever_the_umask()
    {
        var ceph = TestEnvironment.Require("ceph");
        var directory = Directory.CreateTempSubdirectory("platform-journal-mode-").FullName;
        try
        {
            // This process's umask (022) would leave a file it creates world-readable; so would an
            // agent of an older version have left the second journal.
            var fresh = Path.Combine(directory, "fresh.journal");
            var older = Path.Combine(directory, "older.journal");
            File.WriteAllText(older, "");
            File.SetUnixFileMode(older, (UnixFileMode)0b110_100_100);
            var daemonLogs = new List<string>();
            foreach (var journal in new[] { fresh, older })
            {
                await using var agent = await AgentProcess.StartAsync(new AgentProcessOptions
                {
                    Environment = new Dictionary<string, string>
                    {
                        ["PLATFORM_Storage__CephConf"] = ceph["PLATFORM_CEPH_CONF"],
                        ["PLATFORM_Storage__CephUser"] = ceph["PLATFORM_CEPH_USER"],
                        ["PLATFORM_Operations__JournalPath"] = journal,
                    },
                    StartTimeout = TimeSpan.FromSeconds(60),
                });
                // The journal opens with the first operation: removing an image that does not exist touches nothing.
                using var channel = GrpcChannel.ForAddress(agent.GrpcUrl);
                await new RbdService.RbdServiceClient(channel).RemoveImageAsync(new RemoveImageRequest
                {
                    OperationId = $"op-{Guid.NewGuid():N}",
                    Pool = "volumes",
                    Name = "mode-none-" + Guid.NewGuid().ToString("N")[..8],
                }, deadline: DateTime.UtcNow.AddMinutes(2));
                daemonLogs.Add(Path.Combine(TestEnvironment.StateDirectory, "log", "daemons", $"agent-{agent.Pid}.log"));
            }

            Assert.Multiple(() =>
            {
                Assert.That(File.GetUnixFileMode(fresh), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "a new journal");
                Assert.That(File.GetUnixFileMode(older), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "an older world-readable one");
                Assert.That(new FileInfo(fresh).Length, Is.GreaterThan(0), "the operation was recorded");
                // Whatever the umask too: the copy of the daemon's output the tests keep for the secret scan.
                Assert.That(daemonLogs.Select(File.GetUnixFileMode), Is.All.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), string.Join(", ", daemonLogs));
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>ConnectionStrings:Inventory of the controller.json hosts.sh wrote.</summary>
    private static string ControllerInventoryConnection()
    {
        var path = Path.Combine(TestEnvironment.StateDirectory, "etc", "controller.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        return config.RootElement.GetProperty("ConnectionStrings").GetProperty("Inventory").GetString()
            ?? throw new InvalidOperationException($"{path} has no ConnectionStrings:Inventory");
    }

    private static async Task<PostgresException> RefusalAsync(NpgsqlConnectionStringBuilder connection) =>
        (await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(connection.ConnectionString)))!;

    private static async Task OpenAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
    }
}

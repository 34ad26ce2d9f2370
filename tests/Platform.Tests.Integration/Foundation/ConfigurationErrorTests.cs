using Npgsql;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Foundation;

/// <summary>
/// The published daemons refuse a wrong setting at start: the process ends with 78 (EX_CONFIG,
/// which the units do not restart) and one line per problem naming the key, no stack trace,
/// before it touches anything. A database that does not answer ends it with 69 (EX_UNAVAILABLE),
/// which systemd retries. The settings come in as PLATFORM_* variables, the way a systemd
/// drop-in or the test environment gives them.
/// </summary>
public class ConfigurationErrorTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [TestCase("Compute:DetachTimout", "00:00:05", "Compute:DetachTimout is not a setting")]
    [TestCase("Transfer:ChunkSize", "1", "Transfer:ChunkSize must be between")]
    [TestCase("Registration:HeartbeatTimeout", "forever", "Failed to convert configuration value 'forever' at 'Registration:HeartbeatTimeout'")]
    [TestCase("Logging:Format", "xml", "Failed to convert configuration value 'xml' at 'Logging:Format'")]
    [TestCase("Grpc:ClientCertificateAuthority", "/nonexistent/ca.crt", "Grpc:ClientCertificateAuthority (/nonexistent/ca.crt) does not load as a PEM certificate: ")]
    [TestCase("Grpc:ClientCertificateAuthority", "/etc/os-release", "Grpc:ClientCertificateAuthority (/etc/os-release) does not load as a PEM certificate: ")]
    [TestCase("Serilog:MinimumLevel", "Verbos", "Serilog:MinimumLevel is 'Verbos', not a level: Verbose, Debug, Information, Warning, Error, Fatal")]
    [TestCase("Serilog:MinimumLevel:Override:Microsoft.AspNetCore", "Loud", "Serilog:MinimumLevel:Override:Microsoft.AspNetCore is 'Loud', not a level")]
    [TestCase("Kestrel:Endpoints:Grpc:Url", "http://127.0.0.1:notaport", "Kestrel:Endpoints:Grpc:Url is 'http://127.0.0.1:notaport', not an address Kestrel can listen on")]
    [TestCase("Kestrel:Endpoints:Grpc:Protocols", "Http7", "Kestrel:Endpoints:Grpc:Protocols is 'Http7', not one of Http1, Http2")]
    [TestCase("Kestrel:Endpoints:Grpc:Certificat:Path", "/etc/platform/pki/agent.crt", "Kestrel:Endpoints:Grpc:Certificat is not a setting of a Kestrel endpoint")]
    [TestCase("Kestrel:Endpoints:Grpc:Url", "http://0.0.0.0:1", "Kestrel:Endpoints:Grpc:Url is http://0.0.0.0:1: the agent's gRPC over plain http (h2c, no authentication) only on a loopback address")]
    [TestCase("Kestrel:Endpoints:Grpc:Url", "https://0.0.0.0:1", "Kestrel:Endpoints:Grpc:Url is https://0.0.0.0:1, off this machine, so Grpc:ClientCertificateAuthority must be set")]
    public async Task Agent_stops_at_start_naming_the_wrong_key(string key, string value, string message)
    {
        var dll = TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "agent", "Platform.Agent.dll"), "the published agent");
        var directory = Directory.CreateTempSubdirectory("platform-agent-config-").FullName;
        try
        {
            // Everything it could touch, should it start after all, is its own.
            var result = await RunAsync(dll, new Dictionary<string, string?>
            {
                ["PLATFORM_CONFIG_DIR"] = directory,
                [DaemonProcess.Setting("Kestrel:Endpoints:Http:Url")] = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}",
                [DaemonProcess.Setting("Kestrel:Endpoints:Grpc:Url")] = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}",
                [DaemonProcess.Setting("Transfer:Directory")] = Path.Combine(directory, "transfer"),
                [DaemonProcess.Setting("Operations:JournalPath")] = Path.Combine(directory, "operations.journal"),
                [DaemonProcess.Setting("DriverDisk:StateDirectory")] = Path.Combine(directory, "driver-disk"),
                [DaemonProcess.Setting("DriverDisk:BackupDirectory")] = Path.Combine(directory, "driver-backup"),
                [DaemonProcess.Setting("Compute:LibvirtUri")] = $"qemu:///system?socket={directory}/no-libvirtd",
                [DaemonProcess.Setting("Storage:CephConf")] = Path.Combine(directory, "no-ceph.conf"),
                [DaemonProcess.Setting(key)] = value,
            });
            AssertStoppedNaming(result, message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestCase("Hosts:DownAfter", "00:00:01", "Hosts:DownAfter must be longer than Hosts:HeartbeatInterval")]
    [TestCase("Network:Cidr", "10.200.0.0/33", "Network:Cidr must be a subnet")]
    [TestCase("Tasks:MaxAtempts", "3", "Tasks:MaxAtempts is not a setting")]
    [TestCase("Logging:Formatt", "json", "Logging:Formatt is not a setting")]
    [TestCase("Kestrel:Endpoints:Rest:Url", "http://0.0.0.0:1", "Kestrel:Endpoints:Rest:Url is http://0.0.0.0:1: plain http only on a loopback address")]
    [TestCase("Security:InitialAdminPasswordFile", "admin-password", "Security:InitialAdminPasswordFile must be an absolute path")]
    [TestCase("Grpc:ClientCertificateAuthorty", "/etc/os-release", "Grpc:ClientCertificateAuthorty is not a setting")]
    [TestCase("Grpc:ClientCertificateAuthority", "/etc/os-release", "Kestrel:Endpoints:Grpc:Url must be https:// when Grpc:ClientCertificateAuthority is set")]
    [TestCase("Grpc:ClientCertificateAuthority", "/nonexistent/ca.crt", "Grpc:ClientCertificateAuthority (/nonexistent/ca.crt) does not load as a PEM certificate: ", "Kestrel:Endpoints:Grpc:Url", "https://127.0.0.1:1")]
    [TestCase("Grpc:ClientCertificateAuthority", "/etc/os-release", "Grpc:ClientCertificateAuthority (/etc/os-release) does not load as a PEM certificate: ", "Kestrel:Endpoints:Grpc:Url", "https://127.0.0.1:1")]
    [TestCase("Serilog:MinimumLevel:Default", "Verbos", "Serilog:MinimumLevel:Default is 'Verbos', not a level")]
    [TestCase("Kestrel:Endpoints:Rest:Url", "http://127.0.0.1:99999", "Kestrel:Endpoints:Rest:Url is 'http://127.0.0.1:99999', not an address Kestrel can listen on")]
    [TestCase("Kestrel:Endpoints:Rest:Protocols", "Http7", "Kestrel:Endpoints:Rest:Protocols is 'Http7', not one of Http1, Http2")]
    [TestCase("Kestrel:Endpoints:Grpc:Certificate:Path", "/etc/platform/pki/controller.crt", "Kestrel:Endpoints:Grpc:Certificate is set, but Kestrel:Endpoints:Grpc:Url is 'http://127.0.0.1:")]
    [TestCase("Kestrel:Endpoints:Rest:Certificate:Pth", "/etc/platform/pki/controller.crt", "Kestrel:Endpoints:Rest:Certificate:Pth is not a setting of a Kestrel certificate")]
    public async Task Controller_stops_at_start_naming_the_wrong_key(string key, string value, string message, string? alsoKey = null, string? alsoValue = null)
    {
        var dll = TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "controller", "Platform.Controller.dll"), "the published controller");
        var postgres = new PostgresAccess(TestEnvironment.Require("postgres"));
        var database = "cfg_" + Guid.NewGuid().ToString("N")[..12];
        var directory = Directory.CreateTempSubdirectory("platform-controller-config-").FullName;
        await postgres.CreateDatabaseAsync(database);
        try
        {
            var settings = ControllerSettings(directory, postgres, database);
            settings[DaemonProcess.Setting(alsoKey ?? key)] = alsoValue ?? value;
            settings[DaemonProcess.Setting(key)] = value;
            var result = await RunAsync(dll, settings);
            AssertStoppedNaming(result, message);
            Assert.That(await ScalarAsync(postgres.Admin(database),
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), Is.Zero, "nothing was migrated before the settings were checked");
        }
        finally
        {
            await postgres.DropDatabaseAsync(database);
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>What every controller these tests start is given: its own configuration directory and database, and free loopback ports.</summary>
    private static Dictionary<string, string?> ControllerSettings(string directory, PostgresAccess postgres, string database) => new()
    {
        ["PLATFORM_CONFIG_DIR"] = directory,
        [DaemonProcess.Setting("ConnectionStrings:Inventory")] = postgres.Application(database),
        [DaemonProcess.Setting("Kestrel:Endpoints:Rest:Url")] = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}",
        [DaemonProcess.Setting("Kestrel:Endpoints:Grpc:Url")] = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}",
    };

    /// <summary>
    /// A first-admin password file every local user can read (or write: choose the password) is
    /// refused before anyone is made: the controller stops, the inventory has no user.
    /// </summary>
    [TestCase(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead, TestName = "{m}(world-readable)")]
    [TestCase(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite, TestName = "{m}(world-writable)")]
    public async Task Controller_stops_on_a_first_admin_password_file_others_can_open_and_creates_no_user(UnixFileMode mode)
    {
        var dll = TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "controller", "Platform.Controller.dll"), "the published controller");
        var postgres = new PostgresAccess(TestEnvironment.Require("postgres"));
        var database = "cfg_" + Guid.NewGuid().ToString("N")[..12];
        var directory = Directory.CreateTempSubdirectory("platform-controller-config-").FullName;
        var passwordFile = Path.Combine(directory, "admin-password");
        File.WriteAllText(passwordFile, TestSecrets.Record(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18)), "first admin password of a refused file") + "\n");
        File.SetUnixFileMode(passwordFile, mode);
        await postgres.CreateDatabaseAsync(database);
        try
        {
            var settings = ControllerSettings(directory, postgres, database);
            settings[DaemonProcess.Setting("Security:InitialAdminPasswordFile")] = passwordFile;
            var result = await RunAsync(dll, settings);
            AssertStoppedNaming(result, $"Security:InitialAdminPasswordFile: {passwordFile} is readable or writable by every user");
            Assert.That(await ScalarAsync(postgres.Admin(database), "SELECT count(*) FROM users"), Is.Zero, "no user was made");
        }
        finally
        {
            await postgres.DropDatabaseAsync(database);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Controller_without_its_database_stops_with_one_line_saying_so()
    {
        var dll = TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "controller", "Platform.Controller.dll"), "the published controller");
        var application = TestEnvironment.Require("postgres")["PLATFORM_PG_CONNECTION"];
        var directory = Directory.CreateTempSubdirectory("platform-controller-config-").FullName;
        try
        {
            var closedPort = DaemonProcess.FreeLoopbackPort();
            var unreachable = await RunControllerAsync(dll, directory,
                new NpgsqlConnectionStringBuilder(application) { Port = closedPort, Database = "platform" }.ConnectionString);
            var missing = await RunControllerAsync(dll, directory,
                new NpgsqlConnectionStringBuilder(application) { Database = "missing_" + Guid.NewGuid().ToString("N")[..12] }.ConnectionString);
            Assert.Multiple(() =>
            {
                Assert.That(unreachable.ExitCode, Is.EqualTo(69), "EX_UNAVAILABLE: systemd restarts it");
                Assert.That(unreachable.StandardError, Does.Contain($"controller: cannot start: the inventory database 127.0.0.1:{closedPort}/platform cannot be reached"));
                Assert.That(missing.ExitCode, Is.EqualTo(78), "EX_CONFIG: a database that does not exist is a setting to fix");
                Assert.That(missing.StandardError, Does.Contain("refused the connection").And.Contain("(ConnectionStrings:Inventory)"));
                Assert.That(unreachable.StandardError + missing.StandardError, Does.Not.Contain("   at "), "no stack trace");
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Task<ProcessResult> RunControllerAsync(string dll, string directory, string connectionString) =>
        RunAsync(dll, new Dictionary<string, string?>
        {
            ["PLATFORM_CONFIG_DIR"] = directory,
            [DaemonProcess.Setting("ConnectionStrings:Inventory")] = connectionString,
            [DaemonProcess.Setting("Kestrel:Endpoints:Rest:Url")] = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}",
            [DaemonProcess.Setting("Kestrel:Endpoints:Grpc:Url")] = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}",
        });

    /// <summary>Runs the daemon until it exits; a daemon that keeps running fails the test (timeout).</summary>
    private static Task<ProcessResult> RunAsync(string dll, Dictionary<string, string?> environment) =>
        ChildProcess.RunAsync("dotnet", [dll], ExitTimeout, environment);

    private static void AssertStoppedNaming(ProcessResult result, string message) =>
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(78), "EX_CONFIG: the units do not restart it");
            Assert.That(result.StandardError, Does.Contain(": cannot start: " + message));
            Assert.That(result.StandardError, Does.Not.Contain("   at "), "no stack trace");
        });

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

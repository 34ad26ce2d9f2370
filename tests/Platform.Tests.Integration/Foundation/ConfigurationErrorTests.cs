using Npgsql;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Foundation;

/// <summary>
/// The published daemons refuse a wrong setting at start: the process ends, not 0, and what it
/// printed names the key. The settings come in as PLATFORM_* variables, the way a systemd
/// drop-in or the test environment gives them.
/// </summary>
public class ConfigurationErrorTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [TestCase("Compute:DetachTimout", "00:00:05", "Compute:DetachTimout is not a setting")]
    [TestCase("Transfer:ChunkSize", "1", "Transfer:ChunkSize must be between")]
    [TestCase("Registration:HeartbeatTimeout", "forever", "'Registration:HeartbeatTimeout'")]
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
    public async Task Controller_stops_at_start_naming_the_wrong_key(string key, string value, string message)
    {
        var dll = TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "controller", "Platform.Controller.dll"), "the published controller");
        var admin = TestEnvironment.Require("postgres")["PLATFORM_PG_CONNECTION"];
        var database = "cfg_" + Guid.NewGuid().ToString("N")[..12];
        var directory = Directory.CreateTempSubdirectory("platform-controller-config-").FullName;
        await ExecuteAsync(admin, $"CREATE DATABASE {database}");
        try
        {
            var result = await RunAsync(dll, new Dictionary<string, string?>
            {
                ["PLATFORM_CONFIG_DIR"] = directory,
                [DaemonProcess.Setting("ConnectionStrings:Inventory")] = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString,
                [DaemonProcess.Setting("Kestrel:Endpoints:Rest:Url")] = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}",
                [DaemonProcess.Setting("Kestrel:Endpoints:Grpc:Url")] = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}",
                [DaemonProcess.Setting(key)] = value,
            });
            AssertStoppedNaming(result, message);
        }
        finally
        {
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Runs the daemon until it exits; a daemon that keeps running fails the test (timeout).</summary>
    private static Task<ProcessResult> RunAsync(string dll, Dictionary<string, string?> environment) =>
        ChildProcess.RunAsync("dotnet", [dll], ExitTimeout, environment);

    private static void AssertStoppedNaming(ProcessResult result, string message) =>
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero, "the daemon stopped with a failure");
            Assert.That(result.StandardOutput + result.StandardError, Does.Contain(message));
        });

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using Grpc.Net.Client;
using Platform.Contracts.Agent.V1;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Packaging;

/// <summary>The installed daemons run as their units run them: their own user, their capabilities and nothing more.</summary>
public partial class PackagingTests
{
    /// <summary>CAP_SYS_ADMIN (bit 21), the agent's one capability, as /proc shows a capability set.</summary>
    private const string SysAdminOnly = "0000000000200000";

    [Test, DependsOnTest(nameof(Unit_passes_systemd_analyze_and_keeps_its_hardening), AllowFailure = true)]
    public async Task Installed_controller_serves_healthz_on_the_test_database_as_its_own_user()
    {
        AssertInstalled();
        var user = _root.User("platform-controller")!;
        var postgres = new PostgresAccess(TestEnvironment.Require("postgres"));
        var database = "pkg_" + Guid.NewGuid().ToString("N")[..12];
        await postgres.CreateDatabaseAsync(database);
        try
        {
            var restUrl = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}";
            await using var controller = InstalledDaemon.Start(_root, "controller", [], new Dictionary<string, string>
            {
                // As the application role; the daemon's user cannot read the root-only pgpass file.
                ["ConnectionStrings:Inventory"] = postgres.ApplicationWithPassword(database),
                ["Kestrel:Endpoints:Rest:Url"] = restUrl,
                ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}",
            }, _work, TimeSpan.FromSeconds(2));

            var ready = await controller.ReadyAsync(TimeSpan.FromSeconds(60));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var response = await http.GetAsync(new Uri(restUrl + "/healthz"));
            var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            // The package carries the web console, served from the installed files.
            using var console = await http.GetAsync(new Uri(restUrl + "/console/"));
            var consolePage = await console.Content.ReadAsStringAsync();
            var watchdog = await controller.NextNotificationAsync(TimeSpan.FromSeconds(5));
            var status = controller.Status();
            var exitCode = await controller.StopAsync();

            Assert.Multiple(() =>
            {
                Assert.That(ready, Does.Contain($"MAINPID={controller.Daemon.Pid}"));
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), () => health.ToString());
                Assert.That(health.GetProperty("component").GetString(), Is.EqualTo("controller"));
                Assert.That(console.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the web console");
                Assert.That(consolePage, Does.Contain("js/main.js"));
                Assert.That(health.GetProperty("version").GetString(), Does.StartWith(_version));
                Assert.That(watchdog, Is.EqualTo("WATCHDOG=1"));
                Assert.That(status["Uid"].Split('\t').Distinct(), Is.EqualTo(new[] { user.Uid.ToString(CultureInfo.InvariantCulture) }));
                Assert.That((status["CapEff"], status["CapBnd"]), Is.EqualTo(("0000000000000000", "0000000000000000")), "no capabilities");
                Assert.That(exitCode, Is.Zero, () => controller.Daemon.Output);
            });
        }
        finally
        {
            await postgres.DropDatabaseAsync(database);
        }
    }

    /// <summary>
    /// The agent's one capability is enough for the driver disk: as platform-agent it initializes
    /// the disk (mkntfs, qemu-img, the qemu-storage-daemon FUSE export, the ntfs-3g mount) in its
    /// state directory, and unmounts it all when it stops. No libvirtd or Ceph: neither is needed.
    /// </summary>
    [Test, DependsOnTest(nameof(Installed_controller_serves_healthz_on_the_test_database_as_its_own_user), AllowFailure = true)]
    public async Task Installed_agent_mounts_the_driver_disk_as_its_own_user_with_only_CAP_SYS_ADMIN()
    {
        AssertInstalled();
        var user = _root.User("platform-agent")!;
        var state = Path.Combine(_root.Root, "var", "lib", "platform-agent");
        var grpcUrl = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}";
        await using var agent = InstalledDaemon.Start(_root, "agent", ["sys_admin"], new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}",
            ["Kestrel:Endpoints:Grpc:Url"] = grpcUrl,
            // The package's own places, as seen from outside the root.
            ["Transfer:Directory"] = Path.Combine(state, "transfer"),
            ["Operations:JournalPath"] = Path.Combine(state, "operations.journal"),
            ["DriverDisk:StateDirectory"] = Path.Combine(state, "driver-disk"),
            ["DriverDisk:BackupDirectory"] = Path.Combine(state, "driver-backup"),
            ["Compute:ProbeCacheFile"] = Path.Combine(_root.Root, "var", "cache", "platform-agent", "kvm-probe.json"),
            ["Compute:LibvirtUri"] = $"qemu:///system?socket={_work}/no-libvirtd",
            ["Storage:CephConf"] = Path.Combine(_work, "no-ceph.conf"),
        }, _work, TimeSpan.FromSeconds(2));

        await agent.ReadyAsync(TimeSpan.FromSeconds(60));
        var status = agent.Status();
        DriverDiskState initialized;
        using (var channel = GrpcChannel.ForAddress(grpcUrl))
        {
            var disk = new DriverDiskService.DriverDiskServiceClient(channel);
            initialized = await disk.InitializeDriverDiskAsync(new InitializeDriverDiskRequest { OperationId = "package-init" }, deadline: DateTime.UtcNow.AddMinutes(2));
        }
        var mounts = MountsUnder(state);
        var exitCode = await agent.StopAsync();
        var mountsAfterStop = MountsUnder(state);

        Assert.Multiple(() =>
        {
            Assert.That(status["Uid"].Split('\t').Distinct(), Is.EqualTo(new[] { user.Uid.ToString(CultureInfo.InvariantCulture) }));
            Assert.That((status["CapEff"], status["CapBnd"], status["CapAmb"]), Is.EqualTo((SysAdminOnly, SysAdminOnly, SysAdminOnly)));
            Assert.That(status["NoNewPrivs"], Is.EqualTo("1"));
            Assert.That((initialized.Status, initialized.Mounted), Is.EqualTo((DriverDiskStatus.Normal, true)), () => initialized.ToString());
            Assert.That(mounts, Has.Count.EqualTo(2).And.All.Contain($"user_id={user.Uid},"), "the export and the NTFS mount, both the agent user's");
            Assert.That(exitCode, Is.Zero, () => agent.Daemon.Output);
            Assert.That(mountsAfterStop, Is.Empty, "unmounted when it stopped");
        });
    }

    /// <summary>mountinfo lines of mounts below <paramref name="directory"/>.</summary>
    private static List<string> MountsUnder(string directory) =>
        [.. File.ReadAllLines("/proc/self/mountinfo").Where(line => line.Split(' ')[4].StartsWith(directory + "/", StringComparison.Ordinal))];
}

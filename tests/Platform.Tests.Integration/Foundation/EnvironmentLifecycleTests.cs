using System.Globalization;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Foundation;

/// <summary>
/// A second, complete environment in its own state directory and port range: started twice
/// (idempotent), then stopped twice, after which nothing of it may remain on the machine.
/// </summary>
public class EnvironmentLifecycleTests
{
    private const int PortBase = 23000;
    private string _state = null!;
    private Dictionary<string, string?> _environment = null!;

    [SetUp]
    public void CreateStateDirectory()
    {
        TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "agent", "Platform.Agent.dll"), "the published agent");
        _state = Path.Combine("/var/tmp", "platform-lifecycle-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_state);
        // PostgreSQL runs as its own user and must be able to reach its data directory.
        File.SetUnixFileMode(_state, (UnixFileMode)0b111_101_101);
        _environment = new()
        {
            ["PLATFORM_STATE"] = _state,
            ["PLATFORM_PORT_BASE"] = PortBase.ToString(CultureInfo.InvariantCulture),
            ["PLATFORM_BIN"] = TestEnvironment.BinDirectory,
        };
    }

    [TearDown]
    public async Task RemoveStateDirectory()
    {
        // Whatever the test found, do not leave a running environment behind.
        await EnvScript("stop");
        Directory.Delete(_state, recursive: true);
    }

    [Test]
    public async Task Start_is_idempotent_and_stop_leaves_nothing_behind()
    {
        var start = await EnvScript("start");
        Assert.That(start.ExitCode, Is.Zero, () => "start: " + start.StandardError);

        var pids = RecordedPids();
        var bridge = ComponentSettings.Load(Path.Combine(_state, "libvirt.env"))["PLATFORM_BRIDGE"];
        Assert.Multiple(() =>
        {
            Assert.That(pids, Has.Count.GreaterThanOrEqualTo(5), "postgres, ceph-mon, ceph-osd, libvirtd, agent, controller each leave a pidfile");
            Assert.That(pids.Values.Where(HostInspection.IsAlive), Is.EquivalentTo(pids.Values), "every recorded process is running");
            Assert.That(HostInspection.NetworkInterfaceExists(bridge), Is.True, $"bridge {bridge}");
            Assert.That(HostInspection.ProcessesReferencing(_state), Is.Not.Empty, "the scan sees the environment's processes");
        });

        var again = await EnvScript("start");
        Assert.That(again.ExitCode, Is.Zero, () => "second start: " + again.StandardError);
        Assert.That(RecordedPids(), Is.EqualTo(pids), "a second start starts nothing new");

        var stop = await EnvScript("stop");
        Assert.That(stop.ExitCode, Is.Zero, () => "stop: " + stop.StandardError);

        Assert.Multiple(() =>
        {
            Assert.That(pids.Where(p => HostInspection.IsAlive(p.Value)).Select(p => p.Key), Is.Empty, "processes still alive");
            Assert.That(HostInspection.ProcessesReferencing(_state), Is.Empty, "processes using the state directory");
            Assert.That(HostInspection.MountsReferencing(_state), Is.Empty, "mounts");
            Assert.That(HostInspection.LoopDevicesBackedBy(_state), Is.Empty, "loop devices");
            Assert.That(HostInspection.NetworkInterfaceExists(bridge), Is.False, $"bridge {bridge}");
        });

        var stopAgain = await EnvScript("stop");
        Assert.That(stopAgain.ExitCode, Is.Zero, () => "second stop: " + stopAgain.StandardError);
    }

    /// <summary>Every pidfile under the state directory (PostgreSQL's is postmaster.pid), by path.</summary>
    private Dictionary<string, int> RecordedPids() =>
        Directory.EnumerateFiles(_state, "*.pid", SearchOption.AllDirectories)
            .Select(file => (file, text: File.ReadLines(file).FirstOrDefault()?.Trim()))
            .Where(p => int.TryParse(p.text, CultureInfo.InvariantCulture, out _))
            .ToDictionary(p => Path.GetRelativePath(_state, p.file), p => int.Parse(p.text!, CultureInfo.InvariantCulture));

    private Task<ProcessResult> EnvScript(string action) =>
        ChildProcess.RunAsync(Path.Combine(TestEnvironment.Scripts, "env.sh"), [action], TimeSpan.FromMinutes(4), _environment);
}

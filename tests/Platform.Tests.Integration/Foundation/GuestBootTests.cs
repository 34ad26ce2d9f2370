using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Foundation;

/// <summary>
/// The whole foundation in one path: the tiny guest's bootable disk imported into Ceph, a
/// domain in the test libvirtd booting it from RBD with cephx, the guest's serial console
/// saying it is up, an ACPI shutdown it honours. Through rbd and virsh until the agent exists.
/// </summary>
public class GuestBootTests
{
    private const string ReadyMarker = "PLATFORM-GUEST-READY";
    private const string PowerOffMarker = "PLATFORM-GUEST-POWEROFF";

    private ComponentSettings _ceph = null!;
    private string _libvirtUri = null!;
    private string _bridge = null!;
    private string _guestDisk = null!;
    private string _workDirectory = null!;
    private readonly CleanupSteps _cleanup = new();

    [SetUp]
    public void RequireServices()
    {
        _ceph = TestEnvironment.Require("ceph");
        var libvirt = TestEnvironment.Require("libvirt");
        _libvirtUri = libvirt["PLATFORM_LIBVIRT_URI"];
        _bridge = libvirt["PLATFORM_BRIDGE"];
        _guestDisk = TestEnvironment.Require("guest")["PLATFORM_GUEST_DISK"];
        _workDirectory = Directory.CreateDirectory(Path.Combine(TestEnvironment.StateDirectory, "tests", Guid.NewGuid().ToString("N"))).FullName;
    }

    [TearDown]
    public Task CleanUp() => _cleanup.RunAllAsync();

    [Test]
    public async Task Guest_boots_from_an_rbd_image_and_honours_acpi_shutdown()
    {
        var name = "itest-" + Guid.NewGuid().ToString("N")[..8];
        var image = $"images/{name}";
        var serialLog = Path.Combine(_workDirectory, "serial.log");

        await Rbd("import", "--no-progress", "--image-format", "2", _guestDisk, image);
        _cleanup.Push(() => Rbd("rm", "--no-progress", image));

        var secret = await DefineCephSecretAsync(name);
        var domain = new GuestDomainXml(name, Guid.NewGuid(), image, "127.0.0.1",
            MonitorV1Port(), _ceph["PLATFORM_CEPH_USER"], secret, _bridge, serialLog);
        var domainFile = Path.Combine(_workDirectory, "domain.xml");
        await File.WriteAllTextAsync(domainFile, domain.Build());

        await Virsh("define", domainFile);
        _cleanup.Push(async () =>
        {
            await ChildProcess.RunAsync("virsh", ["-c", _libvirtUri, "destroy", name], TimeSpan.FromSeconds(30));
            await Virsh("undefine", name);
        });
        await Virsh("start", name);

        var bootTime = await Eventually.HoldsAsync(() => SerialSaysAsync(serialLog, ReadyMarker), TimeSpan.FromSeconds(120), "guest ready on its serial console");
        Assert.That((await Virsh("domstate", name)).Trim(), Is.EqualTo("running"));
        TestContext.Out.WriteLine($"guest ready {bootTime.TotalSeconds:0.0}s after start");

        await Virsh("shutdown", "--mode", "acpi", name);
        var shutdownTime = await Eventually.HoldsAsync(async () => (await Virsh("domstate", name)).Trim() == "shut off", TimeSpan.FromSeconds(60), "guest shut off after ACPI shutdown");
        TestContext.Out.WriteLine($"guest shut off {shutdownTime.TotalSeconds:0.0}s after the ACPI request");

        Assert.That(await File.ReadAllTextAsync(serialLog), Does.Contain(PowerOffMarker), "the guest itself powered off in answer to the power button");
    }

    private async Task<Guid> DefineCephSecretAsync(string name)
    {
        var uuid = Guid.NewGuid();
        var xmlFile = Path.Combine(_workDirectory, "secret.xml");
        await File.WriteAllTextAsync(xmlFile, GuestDomainXml.CephSecretXml(uuid, $"client.{_ceph["PLATFORM_CEPH_USER"]} {name}"));
        await Virsh("secret-define", xmlFile);
        _cleanup.Push(() => Virsh("secret-undefine", uuid.ToString()));

        // Through a file, not the command line, where every process could read the key.
        var keyFile = Path.Combine(_workDirectory, "secret.key");
        await using (var key = new FileStream(keyFile, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            await key.WriteAsync(System.Text.Encoding.ASCII.GetBytes(_ceph["PLATFORM_CEPH_KEY"]));
        }
        await Virsh("secret-set-value", "--secret", uuid.ToString(), "--file", keyFile);
        File.Delete(keyFile);
        return uuid;
    }

    private int MonitorV1Port() =>
        int.Parse(_ceph["PLATFORM_CEPH_MON_V1"].Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<bool> SerialSaysAsync(string serialLog, string marker) =>
        File.Exists(serialLog) && (await File.ReadAllTextAsync(serialLog)).Contains(marker, StringComparison.Ordinal);

    private Task<string> Virsh(params string[] arguments) =>
        ChildProcess.OutputOfAsync("virsh", ["-c", _libvirtUri, .. arguments]);

    private Task<string> Rbd(params string[] arguments) =>
        ChildProcess.OutputOfAsync("rbd", ["--conf", _ceph["PLATFORM_CEPH_CONF"], "--id", _ceph["PLATFORM_CEPH_USER"], .. arguments]);
}

using System.Globalization;
using Platform.Agent.Compute.Libvirt;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Compute;

/// <summary>
/// The production shape: a cephx secret and an RBD boot disk defined through the binding, and a
/// volume (an RBD data disk) hot-plugged and unplugged. Images are made with the rbd CLI.
/// </summary>
public class LibvirtRbdGuestTests : LibvirtTestBase
{
    private ComponentSettings _ceph = null!;

    [SetUp]
    public void RequireCeph() => _ceph = TestEnvironment.Require("ceph");

    [Test]
    public async Task Tiny_guest_boots_from_rbd_with_a_cephx_secret_and_a_volume_hot_plugs_and_unplugs()
    {
        var name = UniqueName("rbd");
        var bootImage = name + "-boot";
        var volumeImage = name + "-vol";
        await Rbd("import", "--no-progress", "--image-format", "2", TestEnvironment.Require("guest")["PLATFORM_GUEST_DISK"], $"images/{bootImage}");
        OnCleanUp(() => Rbd("rm", "--no-progress", $"images/{bootImage}"));
        await Rbd("create", "--size", "16", $"volumes/{volumeImage}");
        OnCleanUp(() => Rbd("rm", "--no-progress", $"volumes/{volumeImage}"));

        var secretDefinition = new CephSecretDefinition(Guid.NewGuid(), $"client.{_ceph["PLATFORM_CEPH_USER"]} {name}");
        using (var secret = await Connection.DefineSecretAsync(secretDefinition))
        {
            OnCleanUp(async () =>
            {
                using var left = await Connection.GetSecretAsync(secretDefinition.Uuid);
                await left.UndefineAsync();
            });
            await secret.SetCephKeyAsync(_ceph["PLATFORM_CEPH_KEY"]);
        }

        var serialLog = Path.Combine(WorkDirectory, "serial.log");
        var definition = new DomainDefinition
        {
            Name = name,
            Uuid = Guid.NewGuid(),
            MemoryMiB = 256,
            Type = VirtualizationType.Qemu,
            BootDisk = RbdDisk("images", bootImage, "vda", secretDefinition.Uuid),
            SerialLogPath = serialLog,
        };
        using var domain = await DefineAsync(definition);
        await domain.StartAsync();
        Report("guest ready, booted from RBD", await SerialSaysAsync(serialLog, ReadyMarker, TimeSpan.FromSeconds(120)));

        var volume = RbdDisk("volumes", volumeImage, "vdb", secretDefinition.Uuid);
        Report("attach RBD volume (live+config)", await TimeAsync(() => domain.AttachDeviceAsync(volume)));
        var attached = (await domain.DescribeAsync()).FindDisk("vdb");
        Assert.Multiple(() =>
        {
            Assert.That(attached?.SourceProtocol, Is.EqualTo("rbd"));
            Assert.That(attached?.SourceName, Is.EqualTo($"volumes/{volumeImage}"));
            Assert.That(attached?.Alias, Is.EqualTo(volume.Alias));
        });
        await SerialSaysAsync(serialLog, DisksMarker, TimeSpan.FromSeconds(30), line => line.Contains("vdb", StringComparison.Ordinal));

        var detached = await domain.DetachDeviceAndConfirmAsync(volume, TimeSpan.FromSeconds(20));
        Report("detach RBD volume until DEVICE_REMOVED", detached.Elapsed);
        Assert.That(detached.Outcome, Is.EqualTo(DeviceDetachOutcome.RemovedEventReceived));

        // The image is free again: nothing holds a watch on it once qemu let go.
        await Eventually.HoldsAsync(async () => (await Rbd("status", $"volumes/{volumeImage}")).Contains("none", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "no watcher left on the volume");
    }

    private RbdDiskDevice RbdDisk(string pool, string image, string target, Guid secret) => new()
    {
        Pool = pool,
        Image = image,
        Monitors = [Monitor()],
        CephUser = _ceph["PLATFORM_CEPH_USER"],
        SecretUuid = secret,
        TargetDev = target,
        Alias = DeviceAlias.New(),
    };

    private CephMonitor Monitor()
    {
        var v1 = _ceph["PLATFORM_CEPH_MON_V1"];
        var colon = v1.LastIndexOf(':');
        return new CephMonitor(v1[..colon], int.Parse(v1[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    private Task<string> Rbd(params string[] arguments) =>
        ChildProcess.OutputOfAsync("rbd", ["--conf", _ceph["PLATFORM_CEPH_CONF"], "--id", _ceph["PLATFORM_CEPH_USER"], .. arguments]);
}

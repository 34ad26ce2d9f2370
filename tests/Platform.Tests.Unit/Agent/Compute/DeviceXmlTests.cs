using System.Xml.Linq;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Tests.Unit.Agent.Compute;

public class DeviceXmlTests
{
    private static readonly Guid SecretUuid = Guid.Parse("5a4f3c2e-1d0b-4a9f-8e7d-6c5b4a392817");

    private static RbdDiskDevice Rbd() => new()
    {
        Pool = "volumes",
        Image = "vol-1a2b3c4d",
        Monitors = [new CephMonitor("10.0.0.1"), new CephMonitor("10.0.0.2", 3300)],
        CephUser = "platform",
        SecretUuid = SecretUuid,
        TargetDev = "vdb",
        Alias = "ua-vol-1a2b3c4d",
    };

    [Test]
    public void Rbd_disk_is_a_raw_uncached_native_io_network_disk_with_cephx_and_its_alias()
    {
        var disk = Rbd().ToXElement();

        Assert.Multiple(() =>
        {
            Assert.That(disk.Name.LocalName, Is.EqualTo("disk"));
            Assert.That((string?)disk.Attribute("type"), Is.EqualTo("network"));
            Assert.That((string?)disk.Attribute("device"), Is.EqualTo("disk"));
            var driver = disk.Element("driver")!;
            Assert.That(driver.Attributes().Select(a => $"{a.Name}={a.Value}"),
                Is.EquivalentTo(new[] { "name=qemu", "type=raw", "cache=none", "io=native" }));
            Assert.That((string?)disk.Element("auth")?.Attribute("username"), Is.EqualTo("platform"));
            Assert.That((string?)disk.Element("auth")?.Element("secret")?.Attribute("type"), Is.EqualTo("ceph"));
            Assert.That((string?)disk.Element("auth")?.Element("secret")?.Attribute("uuid"), Is.EqualTo(SecretUuid.ToString()));
            Assert.That((string?)disk.Element("source")?.Attribute("protocol"), Is.EqualTo("rbd"));
            Assert.That((string?)disk.Element("source")?.Attribute("name"), Is.EqualTo("volumes/vol-1a2b3c4d"));
            Assert.That(disk.Element("source")!.Elements("host").Select(h => $"{h.Attribute("name")?.Value}:{h.Attribute("port")?.Value}"),
                Is.EqualTo(new[] { "10.0.0.1:6789", "10.0.0.2:3300" }));
            Assert.That((string?)disk.Element("target")?.Attribute("dev"), Is.EqualTo("vdb"));
            Assert.That((string?)disk.Element("target")?.Attribute("bus"), Is.EqualTo("virtio"));
            Assert.That((string?)disk.Element("alias")?.Attribute("name"), Is.EqualTo("ua-vol-1a2b3c4d"));
            Assert.That(disk.Element("boot"), Is.Null, "a hot-plugged disk has no boot order");
        });
    }

    [Test]
    public void Rbd_disk_without_a_cephx_user_has_no_auth()
    {
        var disk = (Rbd() with { CephUser = null }).ToXElement();

        Assert.That(disk.Element("auth"), Is.Null);
    }

    [TestCase("vol/../x", "vol-1")]
    [TestCase("volumes", "vol-1@snap")]
    [TestCase("volumes", "vol 1")]
    [TestCase("", "vol-1")]
    [TestCase("volumes", "vol:1:conf=/etc/passwd")]
    public void Rbd_pool_or_image_outside_the_safe_name_set_is_refused(string pool, string image) =>
        Assert.That(() => (Rbd() with { Pool = pool, Image = image }).ToXml(), Throws.ArgumentException);

    [Test]
    public void Rbd_disk_needs_a_monitor_and_a_secret_for_its_cephx_user()
    {
        Assert.That(() => (Rbd() with { Monitors = [] }).ToXml(), Throws.ArgumentException);
        Assert.That(() => (Rbd() with { SecretUuid = Guid.Empty }).ToXml(), Throws.ArgumentException);
        Assert.That(() => (Rbd() with { Monitors = [new CephMonitor("10.0.0.1", 0)] }).ToXml(), Throws.ArgumentException);
    }

    [TestCase("sda")]
    [TestCase("vd")]
    [TestCase("vdA")]
    [TestCase("vdb'/><disk")]
    [TestCase("vdaaa")]
    public void Disk_target_that_is_not_a_virtio_name_is_refused(string target) =>
        Assert.That(() => (Rbd() with { TargetDev = target }).ToXml(), Throws.ArgumentException);

    [TestCase("vol-1")]
    [TestCase("ua-")]
    [TestCase("ua-a b")]
    [TestCase("ua-x'/><alias name='y")]
    [TestCase("virtio-disk1")]
    public void Alias_that_is_not_a_user_alias_is_refused(string alias) =>
        Assert.That(() => (Rbd() with { Alias = alias }).ToXml(), Throws.ArgumentException);

    [Test]
    public void File_disk_path_with_metacharacters_is_an_escaped_attribute_value()
    {
        const string path = "/var/lib/x/a'b\"c<d>&e.raw";
        var xml = new FileDiskDevice { Path = path, TargetDev = "vdc", Alias = "ua-data" }.ToXml();

        var disk = XElement.Parse(xml);
        Assert.Multiple(() =>
        {
            Assert.That((string?)disk.Element("source")?.Attribute("file"), Is.EqualTo(path));
            Assert.That(disk.Elements().Select(e => e.Name.LocalName), Is.EquivalentTo(new[] { "driver", "source", "target", "alias" }));
            Assert.That(xml, Does.Not.Contain("<d>"));
        });
    }

    [Test]
    public void File_disk_without_direct_io_leaves_cache_and_io_to_libvirt()
    {
        var disk = new FileDiskDevice { Path = "/tmp/a.qcow2", Format = DiskFormat.Qcow2, DirectIo = false, TargetDev = "vdb", Alias = "ua-a", ReadOnly = true }.ToXElement();

        Assert.Multiple(() =>
        {
            Assert.That((string?)disk.Element("driver")?.Attribute("type"), Is.EqualTo("qcow2"));
            Assert.That(disk.Element("driver")?.Attribute("cache"), Is.Null);
            Assert.That(disk.Element("driver")?.Attribute("io"), Is.Null);
            Assert.That(disk.Element("readonly"), Is.Not.Null);
        });
    }

    [Test]
    public void File_disk_needs_an_absolute_path() =>
        Assert.That(() => new FileDiskDevice { Path = "disk.raw", TargetDev = "vdb", Alias = "ua-a" }.ToXml(), Throws.ArgumentException);

    [Test]
    public void Bridge_nic_is_a_virtio_interface_on_the_bridge_with_its_mac_and_alias()
    {
        var nic = new BridgeNicDevice { Bridge = "br0", MacAddress = "52:54:00:AB:cd:01", Alias = "ua-nic-0a1b2c3d" }.ToXElement();

        Assert.Multiple(() =>
        {
            Assert.That(nic.Name.LocalName, Is.EqualTo("interface"));
            Assert.That((string?)nic.Attribute("type"), Is.EqualTo("bridge"));
            Assert.That((string?)nic.Element("mac")?.Attribute("address"), Is.EqualTo("52:54:00:ab:cd:01"));
            Assert.That((string?)nic.Element("source")?.Attribute("bridge"), Is.EqualTo("br0"));
            Assert.That((string?)nic.Element("model")?.Attribute("type"), Is.EqualTo("virtio"));
            Assert.That((string?)nic.Element("alias")?.Attribute("name"), Is.EqualTo("ua-nic-0a1b2c3d"));
        });
    }

    [TestCase("01:54:00:ab:cd:01")]
    [TestCase("52:54:00:ab:cd")]
    [TestCase("52-54-00-ab-cd-01")]
    [TestCase("52:54:00:ab:cd:0g")]
    public void Nic_mac_that_is_not_a_unicast_mac_is_refused(string mac) =>
        Assert.That(() => new BridgeNicDevice { Bridge = "br0", MacAddress = mac, Alias = "ua-n" }.ToXml(), Throws.ArgumentException);

    [TestCase("")]
    [TestCase("a-bridge-name-too-long")]
    [TestCase("br0 br1")]
    [TestCase("../br0")]
    public void Nic_bridge_that_is_not_an_interface_name_is_refused(string bridge) =>
        Assert.That(() => new BridgeNicDevice { Bridge = bridge, MacAddress = "52:54:00:00:00:01", Alias = "ua-n" }.ToXml(), Throws.ArgumentException);

    [Test]
    public void New_aliases_and_macs_are_valid_and_distinct()
    {
        var aliases = Enumerable.Range(0, 100).Select(_ => DeviceAlias.New()).ToList();
        var macs = Enumerable.Range(0, 100).Select(_ => MacAddresses.NewRandom()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(aliases, Is.All.Matches<string>(alias => alias is not null && DeviceAlias.IsValid(alias)));
            Assert.That(aliases, Is.Unique);
            Assert.That(macs, Is.All.Matches<string>(mac => mac is not null && MacAddresses.IsValidUnicast(mac)).And.All.StartsWith("52:54:00:"));
            Assert.That(DeviceAlias.For("vol-1a2b3c4d"), Is.EqualTo("ua-vol-1a2b3c4d"));
        });
    }
}

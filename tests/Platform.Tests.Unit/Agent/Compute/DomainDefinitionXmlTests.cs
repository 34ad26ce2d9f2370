using System.Xml.Linq;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Tests.Unit.Agent.Compute;

public class DomainDefinitionXmlTests
{
    private static readonly Guid Uuid = Guid.Parse("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9");

    private static DomainDefinition Definition() => new()
    {
        Name = "i-0a1b2c3d",
        Uuid = Uuid,
        VirtualCpus = 2,
        MemoryMiB = 512,
        Type = VirtualizationType.Qemu,
        BootDisk = new FileDiskDevice { Path = "/var/lib/vm/boot.raw", TargetDev = "vda", Alias = "ua-boot" },
        DataDisks = [new FileDiskDevice { Path = "/var/lib/vm/data.raw", TargetDev = "vdb", Alias = "ua-data" }],
        Nics = [new BridgeNicDevice { Bridge = "br0", MacAddress = "52:54:00:12:34:56", Alias = "ua-nic" }],
        SerialLogPath = "/var/log/vm/serial.log",
    };

    [Test]
    public void Domain_has_identity_size_acpi_and_its_devices_in_order()
    {
        var domain = XElement.Parse(Definition().ToXml());

        Assert.Multiple(() =>
        {
            Assert.That((string?)domain.Attribute("type"), Is.EqualTo("qemu"));
            Assert.That((string?)domain.Element("name"), Is.EqualTo("i-0a1b2c3d"));
            Assert.That((string?)domain.Element("uuid"), Is.EqualTo(Uuid.ToString()));
            Assert.That((string?)domain.Element("memory"), Is.EqualTo("512"));
            Assert.That((string?)domain.Element("memory")?.Attribute("unit"), Is.EqualTo("MiB"));
            Assert.That((string?)domain.Element("vcpu"), Is.EqualTo("2"));
            Assert.That((string?)domain.Element("os")?.Element("type"), Is.EqualTo("hvm"));
            Assert.That(domain.Element("os")?.Element("boot"), Is.Null, "per-device boot order instead");
            Assert.That(domain.Element("features")?.Element("acpi"), Is.Not.Null);
            Assert.That((string?)domain.Element("on_poweroff"), Is.EqualTo("destroy"));
            var devices = domain.Element("devices")!.Elements().Select(e => e.Name.LocalName);
            Assert.That(devices, Is.EqualTo(new[] { "disk", "disk", "interface", "serial", "console" }));
        });
    }

    [Test]
    public void Only_the_boot_disk_has_a_boot_order()
    {
        var disks = XElement.Parse(Definition().ToXml()).Element("devices")!.Elements("disk").ToList();

        Assert.Multiple(() =>
        {
            Assert.That((string?)disks[0].Element("boot")?.Attribute("order"), Is.EqualTo("1"));
            Assert.That((string?)disks[0].Element("target")?.Attribute("dev"), Is.EqualTo("vda"));
            Assert.That(disks[1].Element("boot"), Is.Null);
        });
    }

    [Test]
    public void Serial_port_and_console_go_to_the_log_file()
    {
        var devices = XElement.Parse(Definition().ToXml()).Element("devices")!;

        Assert.Multiple(() =>
        {
            Assert.That((string?)devices.Element("serial")?.Attribute("type"), Is.EqualTo("file"));
            Assert.That((string?)devices.Element("serial")?.Element("source")?.Attribute("path"), Is.EqualTo("/var/log/vm/serial.log"));
            Assert.That((string?)devices.Element("console")?.Element("target")?.Attribute("type"), Is.EqualTo("serial"));
        });
    }

    [Test]
    public void Without_a_serial_log_there_is_no_serial_device()
    {
        var devices = XElement.Parse((Definition() with { SerialLogPath = null }).ToXml()).Element("devices")!;

        Assert.That(devices.Elements().Select(e => e.Name.LocalName), Has.None.EqualTo("serial").And.None.EqualTo("console"));
    }

    [Test]
    public void Kvm_is_the_default_virtualization_type()
    {
        var definition = Definition() with { Type = VirtualizationType.Kvm };

        Assert.That((string?)XElement.Parse(definition.ToXml()).Attribute("type"), Is.EqualTo("kvm"));
    }

    [TestCase("a<b>&c'd\"e")]
    [TestCase("x</name><devices><disk type='file'><source file='/etc/shadow'/></disk></devices><name>y")]
    [TestCase("]]><!-- -->")]
    [TestCase("名前 ünïcode")]
    public void Name_with_markup_stays_text(string name)
    {
        var xml = (Definition() with { Name = name }).ToXml();

        var domain = XElement.Parse(xml);
        Assert.Multiple(() =>
        {
            Assert.That((string?)domain.Element("name"), Is.EqualTo(name));
            Assert.That(domain.Elements("name").Count(), Is.EqualTo(1));
            Assert.That(domain.Element("devices")!.Elements("disk").Count(), Is.EqualTo(2));
            Assert.That(domain.Descendants("source").Select(s => (string?)s.Attribute("file")), Has.None.EqualTo("/etc/shadow"));
        });
    }

    [TestCase("bad\u0001name")]
    [TestCase("nul\0")]
    public void Name_with_characters_xml_cannot_carry_is_refused_before_libvirt_sees_it(string name) =>
        Assert.That(() => (Definition() with { Name = name }).ToXml(), Throws.ArgumentException);

    [Test]
    public void Definition_is_checked_before_it_is_built()
    {
        var valid = Definition();
        Assert.Multiple(() =>
        {
            Assert.That(() => (valid with { Name = "" }).ToXml(), Throws.ArgumentException);
            Assert.That(() => (valid with { Uuid = Guid.Empty }).ToXml(), Throws.ArgumentException);
            Assert.That(() => (valid with { MemoryMiB = 0 }).ToXml(), Throws.ArgumentException);
            Assert.That(() => (valid with { VirtualCpus = 0 }).ToXml(), Throws.ArgumentException);
            Assert.That(() => (valid with { SerialLogPath = "serial.log" }).ToXml(), Throws.ArgumentException);
            Assert.That(() => (valid with { DataDisks = [new FileDiskDevice { Path = "/a", TargetDev = "vda", Alias = "ua-x" }] }).ToXml(),
                Throws.ArgumentException.With.Message.Contains("two disks on vda"));
            Assert.That(() => (valid with { DataDisks = [new FileDiskDevice { Path = "/a", TargetDev = "vdc", Alias = "ua-nic" }] }).ToXml(),
                Throws.ArgumentException.With.Message.Contains("alias ua-nic"));
        });
    }

    [Test]
    public void Ceph_secret_is_private_persistent_with_ceph_usage()
    {
        var secretUuid = Guid.NewGuid();
        var secret = XElement.Parse(new CephSecretDefinition(secretUuid, "client.platform <pool>") { Description = "a & b" }.ToXml());

        Assert.Multiple(() =>
        {
            Assert.That((string?)secret.Attribute("ephemeral"), Is.EqualTo("no"));
            Assert.That((string?)secret.Attribute("private"), Is.EqualTo("yes"));
            Assert.That((string?)secret.Element("uuid"), Is.EqualTo(secretUuid.ToString()));
            Assert.That((string?)secret.Element("usage")?.Attribute("type"), Is.EqualTo("ceph"));
            Assert.That((string?)secret.Element("usage")?.Element("name"), Is.EqualTo("client.platform <pool>"));
            Assert.That((string?)secret.Element("description"), Is.EqualTo("a & b"));
        });
    }
}

using Platform.Agent.Compute.Libvirt;

namespace Platform.Tests.Unit.Agent.Compute;

public class DomainDescriptionTests
{
    // Shaped like virDomainGetXMLDesc of a running qemu domain (libvirt 9.0), trimmed.
    private const string LiveXml = """
        <domain type='qemu' id='3'>
          <name>i-0a1b2c3d &amp; co</name>
          <uuid>0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9</uuid>
          <memory unit='KiB'>262144</memory>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <disk type='file' device='disk'>
              <driver name='qemu' type='raw' cache='none' io='native'/>
              <source file='/var/lib/vm/boot.raw' index='2'/>
              <backingStore/>
              <target dev='vda' bus='virtio'/>
              <alias name='ua-boot'/>
              <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
            </disk>
            <disk type='network' device='disk'>
              <driver name='qemu' type='raw' cache='none' io='native'/>
              <auth username='platform'>
                <secret type='ceph' uuid='5a4f3c2e-1d0b-4a9f-8e7d-6c5b4a392817'/>
              </auth>
              <source protocol='rbd' name='volumes/vol-1a2b3c4d' index='1'>
                <host name='127.0.0.1' port='6789'/>
              </source>
              <target dev='vdb' bus='virtio'/>
              <alias name='ua-vol-1a2b3c4d'/>
            </disk>
            <disk type='file' device='cdrom'>
              <target dev='hdc' bus='ide'/>
              <readonly/>
              <alias name='ide0-1-0'/>
            </disk>
            <interface type='bridge'>
              <mac address='52:54:00:12:34:56'/>
              <source bridge='br0'/>
              <target dev='vnet2'/>
              <model type='virtio'/>
              <alias name='ua-nic-1'/>
            </interface>
          </devices>
        </domain>
        """;

    [Test]
    public void Live_xml_yields_identity_disks_and_nics()
    {
        var description = DomainDescription.Parse(LiveXml);

        Assert.Multiple(() =>
        {
            Assert.That(description.Name, Is.EqualTo("i-0a1b2c3d & co"));
            Assert.That(description.Uuid, Is.EqualTo(Guid.Parse("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")));
            Assert.That(description.Type, Is.EqualTo("qemu"));
            Assert.That(description.Disks, Has.Count.EqualTo(3));
            Assert.That(description.FindDisk("vda"), Is.EqualTo(new DiskInfo("file", "disk", "vda", "virtio", "/var/lib/vm/boot.raw", null, null, "ua-boot")));
            Assert.That(description.FindDisk("vdb"), Is.EqualTo(new DiskInfo("network", "disk", "vdb", "virtio", null, "rbd", "volumes/vol-1a2b3c4d", "ua-vol-1a2b3c4d")));
            Assert.That(description.FindDisk("hdc")?.Device, Is.EqualTo("cdrom"));
            Assert.That(description.FindNic("52:54:00:12:34:56"), Is.EqualTo(new NicInfo("bridge", "52:54:00:12:34:56", "br0", "virtio", "ua-nic-1", "vnet2")));
        });
    }

    [TestCase("ua-boot", true)]
    [TestCase("ua-vol-1a2b3c4d", true)]
    [TestCase("ua-nic-1", true)]
    [TestCase("ua-vol-ffffffff", false)]
    public void Device_presence_is_told_by_alias(string alias, bool present) =>
        Assert.That(DomainDescription.Parse(LiveXml).HasDevice(alias), Is.EqualTo(present));

    [Test]
    public void Built_definition_parses_back_to_what_was_built()
    {
        var rbd = new RbdDiskDevice
        {
            Pool = "volumes",
            Image = "vol-9",
            Monitors = [new CephMonitor("127.0.0.1")],
            CephUser = "platform",
            SecretUuid = Guid.NewGuid(),
            TargetDev = "vdb",
            Alias = DeviceAlias.New(),
        };
        var nic = new BridgeNicDevice { Bridge = "br0", MacAddress = MacAddresses.NewRandom(), Alias = DeviceAlias.New() };
        var definition = new DomainDefinition
        {
            Name = "round <trip>",
            Uuid = Guid.NewGuid(),
            MemoryMiB = 128,
            BootDisk = new FileDiskDevice { Path = "/b.raw", TargetDev = "vda", Alias = DeviceAlias.New() },
            DataDisks = [rbd],
            Nics = [nic],
        };

        var description = DomainDescription.Parse(definition.ToXml());

        Assert.Multiple(() =>
        {
            Assert.That(description.Name, Is.EqualTo(definition.Name));
            Assert.That(description.Uuid, Is.EqualTo(definition.Uuid));
            Assert.That(description.Type, Is.EqualTo("kvm"));
            Assert.That(description.Disks.Select(d => d.Alias), Is.EqualTo(new[] { definition.BootDisk.Alias, rbd.Alias }));
            Assert.That(description.FindDisk("vdb")?.SourceName, Is.EqualTo("volumes/vol-9"));
            Assert.That(description.FindNic(nic.MacAddress)?.Alias, Is.EqualTo(nic.Alias));
            Assert.That(description.FindNic(nic.MacAddress)?.TargetDev, Is.Null, "no tap before it runs");
        });
    }

    [TestCase("<network><name>x</name></network>")]
    [TestCase("<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain><name>&x;</name></domain>")]
    public void Anything_but_a_plain_domain_document_is_refused(string xml) =>
        Assert.That(() => DomainDescription.Parse(xml), Throws.InstanceOf<FormatException>().Or.InstanceOf<System.Xml.XmlException>());
}

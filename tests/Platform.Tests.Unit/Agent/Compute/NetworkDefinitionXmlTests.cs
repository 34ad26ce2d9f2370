using System.Xml.Linq;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Tests.Unit.Agent.Compute;

/// <summary>The libvirt network and DHCP reservation XML the agent builds and reads back.</summary>
public class NetworkDefinitionXmlTests
{
    private static NetworkDefinition Definition() => new()
    {
        Name = "plbr0a1b2c3d",
        Bridge = "plbr0a1b2c3d",
        Gateway = "198.18.7.1",
        PrefixLength = 24,
        Hosts = [new DhcpHost("52:54:00:AB:CD:EF", "198.18.7.10")],
    };

    [Test]
    public void Network_is_open_forward_without_dns_with_the_gateway_and_reservations()
    {
        var network = XElement.Parse(Definition().ToXml());

        Assert.Multiple(() =>
        {
            Assert.That((string?)network.Element("name"), Is.EqualTo("plbr0a1b2c3d"));
            Assert.That((string?)network.Element("forward")?.Attribute("mode"), Is.EqualTo("open"), "no NAT, no firewall rules");
            Assert.That((string?)network.Element("bridge")?.Attribute("name"), Is.EqualTo("plbr0a1b2c3d"));
            Assert.That((string?)network.Element("dns")?.Attribute("enable"), Is.EqualTo("no"), "DHCP only: no port 53");
            var ip = network.Element("ip")!;
            Assert.That(((string?)ip.Attribute("address"), (string?)ip.Attribute("prefix")), Is.EqualTo(("198.18.7.1", "24")));
            Assert.That(ip.Element("dhcp")?.Element("range"), Is.Null, "only reserved MACs get an address");
            var host = ip.Element("dhcp")!.Element("host")!;
            Assert.That(((string?)host.Attribute("mac"), (string?)host.Attribute("ip")), Is.EqualTo(("52:54:00:ab:cd:ef", "198.18.7.10")));
        });
    }

    [Test]
    public void Reservation_xml_is_one_host_element_with_a_lowercase_mac()
    {
        var host = XElement.Parse(new DhcpHost("52:54:00:0A:0B:0C", "10.200.0.10").ToXml());
        Assert.That(host.ToString(SaveOptions.DisableFormatting), Is.EqualTo("<host mac=\"52:54:00:0a:0b:0c\" ip=\"10.200.0.10\" />"));
    }

    // Nothing a caller sends reaches the XML unchecked: markup, quotes and look-alikes are refused.
    [TestCase("52:54:00:0a:0b:0c' ip='1.2.3.4", "10.0.0.5")]
    [TestCase("52:54:00:0a:0b:0c", "10.0.0.5'/><host mac='52:54:00:00:00:01")]
    [TestCase("01:00:5e:00:00:01", "10.0.0.5")]
    [TestCase("52:54:00:0a:0b", "10.0.0.5")]
    [TestCase("52:54:00:0a:0b:0c", "10.0.0")]
    [TestCase("52:54:00:0a:0b:0c", "10.0.0.256")]
    [TestCase("52:54:00:0a:0b:0c", "010.0.0.5")]
    [TestCase("52:54:00:0a:0b:0c", "224.0.0.1")]
    [TestCase("52:54:00:0a:0b:0c", "0.0.0.0")]
    [TestCase("52:54:00:0a:0b:0c", " 10.0.0.5")]
    public void Bad_reservations_are_refused_before_any_xml(string mac, string ip) =>
        Assert.Throws<ArgumentException>(() => new DhcpHost(mac, ip).ToXml());

    [TestCase("net<work>")]
    [TestCase("a'b")]
    [TestCase("")]
    [TestCase("-leading")]
    public void Bad_network_names_are_refused(string name) =>
        Assert.Throws<ArgumentException>(() => _ = (Definition() with { Name = name }).ToXml());

    [Test]
    public void Bad_bridges_gateways_and_foreign_reservations_are_refused()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => _ = (Definition() with { Bridge = "a-bridge-name-too-long" }).ToXml());
            Assert.Throws<ArgumentException>(() => _ = (Definition() with { Bridge = "br 0" }).ToXml());
            Assert.Throws<ArgumentException>(() => _ = (Definition() with { Gateway = "198.18.7.1/24" }).ToXml());
            Assert.Throws<ArgumentException>(() => _ = (Definition() with { PrefixLength = 31 }).ToXml());
            Assert.Throws<ArgumentException>(() => _ = (Definition() with { Hosts = [new DhcpHost("52:54:00:00:00:01", "198.18.8.10")] }).ToXml(), "outside the subnet");
            Assert.Throws<ArgumentException>(() => _ = (Definition() with { Hosts = [new DhcpHost("52:54:00:00:00:01", "198.18.7.1")] }).ToXml(), "the gateway");
            Assert.Throws<ArgumentException>(() => _ = (Definition() with { Hosts = [new DhcpHost("52:54:00:00:00:01", "198.18.7.255")] }).ToXml(), "broadcast");
        });
    }

    [Test]
    public void Description_reads_the_bridge_the_dhcp_subnet_and_every_reservation()
    {
        const string xml = """
            <network>
              <name>plbr1</name>
              <uuid>c7ed2521-154d-4f4e-993e-6679ba20f1f1</uuid>
              <forward mode='open'/>
              <bridge name='plbr1' stp='off' delay='0'/>
              <mac address='52:54:00:cf:15:f4'/>
              <dns enable='no'/>
              <ip family='ipv6' address='fd00::1' prefix='64'/>
              <ip address='198.18.7.1' netmask='255.255.255.0'>
                <dhcp>
                  <host mac='52:54:00:aa:bb:cc' ip='198.18.7.10'/>
                  <host mac='52:54:00:aa:bb:cd' name='named' ip='198.18.7.11'/>
                  <host name='no-mac' ip='198.18.7.12'/>
                </dhcp>
              </ip>
            </network>
            """;
        var description = NetworkDescription.Parse(xml);
        Assert.Multiple(() =>
        {
            Assert.That(description.Name, Is.EqualTo("plbr1"));
            Assert.That(description.Bridge, Is.EqualTo("plbr1"));
            Assert.That(description.DhcpSubnet, Is.EqualTo(new Ipv4Subnet("198.18.7.1", 24)));
            Assert.That(description.Hosts, Is.EqualTo(new[] { new DhcpHost("52:54:00:aa:bb:cc", "198.18.7.10"), new DhcpHost("52:54:00:aa:bb:cd", "198.18.7.11") }));
        });
    }

    [Test]
    public void Description_without_reservations_still_knows_the_subnet()
    {
        // libvirt drops an empty <dhcp/> from what it reports.
        var description = NetworkDescription.Parse("<network><name>n</name><bridge name='n'/><ip address='198.18.7.1' prefix='24'></ip></network>");
        Assert.That((description.DhcpSubnet, description.Hosts.Count), Is.EqualTo((new Ipv4Subnet("198.18.7.1", 24), 0)));
    }

    [Test]
    public void Description_refuses_documents_with_a_dtd() =>
        Assert.That(() => NetworkDescription.Parse("<!DOCTYPE network [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><network><name>&x;</name></network>"),
            Throws.InstanceOf<System.Xml.XmlException>());

    [TestCase("198.18.7.10", true)]
    [TestCase("198.18.7.254", true)]
    [TestCase("198.18.7.0", false)]
    [TestCase("198.18.7.255", false)]
    [TestCase("198.18.8.10", false)]
    [TestCase("not an address", false)]
    public void Subnet_holds_its_host_addresses_only(string ip, bool holds) =>
        Assert.That(new Ipv4Subnet("198.18.7.1", 24).HoldsHost(ip), Is.EqualTo(holds));

    [Test]
    public void Overlap_is_the_same_mac_or_the_same_address()
    {
        var host = new DhcpHost("52:54:00:aa:bb:cc", "198.18.7.10");
        Assert.Multiple(() =>
        {
            Assert.That(host.Is("52:54:00:AA:BB:CC", "198.18.7.10"), Is.True);
            Assert.That(host.Overlaps("52:54:00:aa:bb:cc", "198.18.7.11"), Is.True);
            Assert.That(host.Overlaps("52:54:00:aa:bb:cd", "198.18.7.10"), Is.True);
            Assert.That(host.Overlaps("52:54:00:aa:bb:cd", "198.18.7.11"), Is.False);
        });
    }

    [Test]
    public void Release_is_a_bootrequest_for_the_leased_address_and_mac_to_the_server()
    {
        var packet = Platform.Agent.Compute.DhcpRelease.Build("198.18.7.1", "198.18.7.10", "52:54:00:AB:CD:EF");
        Assert.Multiple(() =>
        {
            Assert.That(packet[..3], Is.EqualTo(new byte[] { 1, 1, 6 }), "BOOTREQUEST, Ethernet, 6-byte MAC");
            Assert.That(packet[12..16], Is.EqualTo(new byte[] { 198, 18, 7, 10 }), "ciaddr");
            Assert.That(packet[16..28], Is.All.Zero, "yiaddr, siaddr, giaddr");
            Assert.That(packet[28..34], Is.EqualTo(new byte[] { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef }), "chaddr");
            Assert.That(packet[236..240], Is.EqualTo(new byte[] { 99, 130, 83, 99 }), "magic cookie");
            Assert.That(packet[240..], Is.EqualTo(new byte[] { 53, 1, 7, 54, 4, 198, 18, 7, 1, 255 }), "DHCPRELEASE to server 198.18.7.1");
        });
        Assert.Throws<ArgumentException>(() => Platform.Agent.Compute.DhcpRelease.Build("198.18.7.1", "198.18.7.10", "52:54:00:ab:cd"));
    }
}

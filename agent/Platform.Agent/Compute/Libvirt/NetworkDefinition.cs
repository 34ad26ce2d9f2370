using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace Platform.Agent.Compute.Libvirt;

/// <summary>
/// A DHCP reservation of a libvirt network: this MAC gets this IPv4 address (libvirt's
/// <c>&lt;host mac= ip=/&gt;</c>). Both are checked before any XML is built, and the XML is built
/// with System.Xml.Linq, so nothing a caller sends becomes markup.
/// </summary>
internal sealed record DhcpHost(string MacAddress, string Ip)
{
    /// <summary>The <c>&lt;host&gt;</c> element for virNetworkUpdate (section IP_DHCP_HOST); throws <see cref="ArgumentException"/> for a bad MAC or address.</summary>
    public string ToXml() => ToXElement().ToString(SaveOptions.DisableFormatting);

    internal XElement ToXElement()
    {
        if (!MacAddresses.IsValidUnicast(MacAddress))
        {
            throw new ArgumentException($"'{MacAddress}' is not a unicast MAC address (xx:xx:xx:xx:xx:xx)");
        }
        if (!IsUnicastIpv4(Ip))
        {
            throw new ArgumentException($"'{Ip}' is not an IPv4 unicast address");
        }
        return new XElement("host", new XAttribute("mac", MacAddress.ToLowerInvariant()), new XAttribute("ip", Ip));
    }

    /// <summary>Same MAC (any case) and same address.</summary>
    public bool Is(string macAddress, string ip) =>
        string.Equals(MacAddress, macAddress, StringComparison.OrdinalIgnoreCase) && Ip == ip;

    /// <summary>Holds the MAC or the address (libvirt refuses a second entry with either).</summary>
    public bool Overlaps(string macAddress, string ip) =>
        string.Equals(MacAddress, macAddress, StringComparison.OrdinalIgnoreCase) || Ip == ip;

    /// <summary>a.b.c.d exactly (no shorthand such as "10.1" that IPAddress.Parse accepts), not 0.0.0.0, multicast or broadcast.</summary>
    public static bool IsUnicastIpv4(string value)
    {
        var parts = value.Split('.');
        if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || (p.Length > 1 && p[0] == '0') || int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) > 255))
        {
            return false;
        }
        var first = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        return first is not 0 and < 224;
    }
}

/// <summary>
/// A libvirt network that gives guests on one bridge their addresses: libvirt creates the bridge
/// with the gateway address and runs dnsmasq on it. Forward mode <c>open</c> adds no firewall
/// rules (nothing is routed or NATed by the platform), DNS is off (dnsmasq only does DHCP, so no
/// port 53 is taken) and there is no dynamic range: only reserved MACs get an address, the one
/// the controller allocated.
/// </summary>
internal sealed record NetworkDefinition
{
    public required string Name { get; init; }

    public required string Bridge { get; init; }

    /// <summary>The bridge's own address, the guests' router.</summary>
    public required string Gateway { get; init; }

    public required int PrefixLength { get; init; }

    public IReadOnlyList<DhcpHost> Hosts { get; init; } = [];

    /// <summary>The document for virNetworkDefineXML; throws <see cref="ArgumentException"/> for bad values.</summary>
    public string ToXml()
    {
        if (!LibvirtSyntax.NetworkName().IsMatch(Name))
        {
            throw new ArgumentException($"network name '{Name}' is not 1-64 letters, digits, '.', '_' or '-' starting with a letter or digit");
        }
        if (!LibvirtSyntax.InterfaceName().IsMatch(Bridge))
        {
            throw new ArgumentException($"'{Bridge}' is not a Linux bridge name");
        }
        if (!DhcpHost.IsUnicastIpv4(Gateway) || PrefixLength is < 8 or > 30)
        {
            throw new ArgumentException($"'{Gateway}/{PrefixLength}' is not an IPv4 gateway with a prefix of 8 to 30 bits");
        }
        var subnet = new Ipv4Subnet(Gateway, PrefixLength);
        var outside = Hosts.FirstOrDefault(h => !subnet.HoldsHost(h.Ip) || h.Ip == Gateway);
        if (outside is not null)
        {
            throw new ArgumentException($"reserved address {outside.Ip} is not a host address of {subnet} other than the gateway");
        }
        return new XElement("network",
            new XElement("name", Name),
            new XElement("forward", new XAttribute("mode", "open")),
            new XElement("bridge", new XAttribute("name", Bridge), new XAttribute("stp", "off"), new XAttribute("delay", "0")),
            new XElement("dns", new XAttribute("enable", "no")),
            new XElement("ip", new XAttribute("address", Gateway), new XAttribute("prefix", PrefixLength),
                new XElement("dhcp", Hosts.Select(h => h.ToXElement())))).ToString(SaveOptions.DisableFormatting);
    }
}

/// <summary>What the agent reads back from virNetworkGetXMLDesc: the bridge, the IPv4 address DHCP is served from (the gateway, with its prefix) and the reservations.</summary>
internal sealed record NetworkDescription(string Name, string? Bridge, Ipv4Subnet? DhcpSubnet, IReadOnlyList<DhcpHost> Hosts)
{
    /// <summary>Parses libvirt network XML (no DTDs: libvirt never emits one).</summary>
    public static NetworkDescription Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        var network = XDocument.Load(reader).Root;
        if (network is null || network.Name != "network")
        {
            throw new FormatException("not a libvirt network document");
        }
        // libvirt keeps DHCP on one IPv4 <ip> at most, and drops an empty <dhcp/> from the XML
        // it reports: without reservations the first IPv4 <ip> is the one they will go to.
        var ipv4 = network.Elements("ip").Where(e => (string?)e.Attribute("family") is null or "ipv4").ToList();
        var ip = ipv4.FirstOrDefault(e => e.Element("dhcp") is not null) ?? ipv4.FirstOrDefault();
        Ipv4Subnet? subnet = null;
        if (ip is not null && (string?)ip.Attribute("address") is { } address && DhcpHost.IsUnicastIpv4(address))
        {
            if (int.TryParse((string?)ip.Attribute("prefix"), out var prefix) && prefix is >= 0 and <= 32)
            {
                subnet = new Ipv4Subnet(address, prefix);
            }
            else if ((string?)ip.Attribute("netmask") is { } netmask && IPAddress.TryParse(netmask, out var mask) && mask.AddressFamily == AddressFamily.InterNetwork)
            {
                subnet = new Ipv4Subnet(address, System.Numerics.BitOperations.PopCount(BinaryPrimitives.ReadUInt32BigEndian(mask.GetAddressBytes())));
            }
        }
        var hosts = ip?.Element("dhcp")?.Elements("host")
            .Where(h => (string?)h.Attribute("mac") is not null && (string?)h.Attribute("ip") is not null)
            .Select(h => new DhcpHost((string)h.Attribute("mac")!, (string)h.Attribute("ip")!))
            .ToList() ?? [];
        return new NetworkDescription((string?)network.Element("name") ?? "", (string?)network.Element("bridge")?.Attribute("name"), subnet, hosts);
    }
}

/// <summary>A lease dnsmasq handed out, as libvirt reports it (virNetworkGetDHCPLeases).</summary>
internal sealed record DhcpLease(string MacAddress, string Ip, DateTimeOffset Expiry, string? ClientId);

/// <summary>An IPv4 address with its prefix length (the gateway and its subnet).</summary>
internal sealed record Ipv4Subnet(string Address, int PrefixLength)
{
    private uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    /// <summary>Whether <paramref name="ip"/> is in the subnet and neither its network nor its broadcast address.</summary>
    public bool HoldsHost(string ip)
    {
        if (!DhcpHost.IsUnicastIpv4(ip))
        {
            return false;
        }
        var value = ToUInt32(ip);
        var network = ToUInt32(Address) & Mask;
        return (value & Mask) == network && value != network && value != (network | ~Mask);
    }

    public override string ToString() => $"{Address}/{PrefixLength}";

    private static uint ToUInt32(string ip) => BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(ip).GetAddressBytes());
}

internal static partial class LibvirtSyntax
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    public static partial Regex NetworkName();
}

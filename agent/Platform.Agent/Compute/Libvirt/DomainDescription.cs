using System.Xml;
using System.Xml.Linq;

namespace Platform.Agent.Compute.Libvirt;

/// <summary>A disk as a domain's XML describes it.</summary>
internal sealed record DiskInfo(
    string Type,
    string Device,
    string? TargetDev,
    string? Bus,
    string? SourceFile,
    string? SourceProtocol,
    string? SourceName,
    string? Alias);

/// <summary>A network interface as a domain's XML describes it (TargetDev: the host-side tap, live only).</summary>
internal sealed record NicInfo(
    string Type,
    string? MacAddress,
    string? Bridge,
    string? Model,
    string? Alias,
    string? TargetDev);

/// <summary>
/// What the agent reads back from virDomainGetXMLDesc: identity, disks and NICs. Used to tell
/// whether a device is (still) in the live definition.
/// </summary>
internal sealed record DomainDescription(
    string Name,
    Guid Uuid,
    string Type,
    IReadOnlyList<DiskInfo> Disks,
    IReadOnlyList<NicInfo> Nics)
{
    /// <summary>Parses libvirt domain XML (no DTDs: libvirt never emits one).</summary>
    public static DomainDescription Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        var domain = XDocument.Load(reader).Root;
        if (domain is null || domain.Name != "domain")
        {
            throw new FormatException("not a libvirt domain document");
        }
        var devices = domain.Element("devices");
        return new DomainDescription(
            (string?)domain.Element("name") ?? "",
            Guid.TryParse((string?)domain.Element("uuid"), out var uuid) ? uuid : Guid.Empty,
            (string?)domain.Attribute("type") ?? "",
            devices?.Elements("disk").Select(ParseDisk).ToList() ?? [],
            devices?.Elements("interface").Select(ParseNic).ToList() ?? []);
    }

    /// <summary>Whether a disk or NIC with this alias is in the definition.</summary>
    public bool HasDevice(string alias) =>
        Disks.Any(d => d.Alias == alias) || Nics.Any(n => n.Alias == alias);

    public DiskInfo? FindDisk(string targetDev) => Disks.FirstOrDefault(d => d.TargetDev == targetDev);

    public NicInfo? FindNic(string macAddress) =>
        Nics.FirstOrDefault(n => string.Equals(n.MacAddress, macAddress, StringComparison.OrdinalIgnoreCase));

    private static DiskInfo ParseDisk(XElement disk)
    {
        var source = disk.Element("source");
        var target = disk.Element("target");
        return new DiskInfo(
            (string?)disk.Attribute("type") ?? "",
            (string?)disk.Attribute("device") ?? "disk",
            (string?)target?.Attribute("dev"),
            (string?)target?.Attribute("bus"),
            (string?)source?.Attribute("file"),
            (string?)source?.Attribute("protocol"),
            (string?)source?.Attribute("name"),
            (string?)disk.Element("alias")?.Attribute("name"));
    }

    private static NicInfo ParseNic(XElement nic) => new(
        (string?)nic.Attribute("type") ?? "",
        (string?)nic.Element("mac")?.Attribute("address"),
        (string?)nic.Element("source")?.Attribute("bridge"),
        (string?)nic.Element("model")?.Attribute("type"),
        (string?)nic.Element("alias")?.Attribute("name"),
        (string?)nic.Element("target")?.Attribute("dev"));
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Platform.Agent.Compute.Libvirt;

/// <summary>
/// A device the agent puts into a domain, as libvirt device XML built with System.Xml.Linq
/// (values are always attribute or text content, never markup). Each carries a user alias
/// (<c>ua-…</c>), which libvirt keeps in the live and persistent definitions and reports in
/// DEVICE_REMOVED, so a removal can be matched to the request.
/// </summary>
internal abstract record DomainDevice
{
    /// <summary>The user alias, <c>ua-</c> and then letters, digits, '-' or '_' (see <see cref="DeviceAlias.New"/>).</summary>
    public required string Alias { get; init; }

    /// <summary>The device element; throws <see cref="ArgumentException"/> for an invalid model.</summary>
    public XElement ToXElement() => ToXElement(bootOrder: null);

    /// <summary>The device XML for virDomainAttachDeviceFlags / virDomainDetachDeviceFlags.</summary>
    public string ToXml() => ToXElement().ToString(SaveOptions.DisableFormatting);

    internal abstract XElement ToXElement(int? bootOrder);

    private protected XElement AliasElement()
    {
        DeviceAlias.Validate(Alias);
        return new XElement("alias", new XAttribute("name", Alias));
    }
}

/// <summary>A virtio disk.</summary>
internal abstract record DiskDevice : DomainDevice
{
    /// <summary>The guest-side name libvirt orders disks by: <c>vda</c>, <c>vdb</c>, … (a hint to the guest, not a promise).</summary>
    public required string TargetDev { get; init; }

    public bool ReadOnly { get; init; }

    private protected XElement DiskElement(string type, int? bootOrder, params object?[] content)
    {
        if (!LibvirtSyntax.VirtioTarget().IsMatch(TargetDev))
        {
            throw new ArgumentException($"disk target '{TargetDev}' is not a virtio disk name (vda, vdb, …, vdaa)");
        }
        return new XElement("disk", new XAttribute("type", type), new XAttribute("device", "disk"),
            content,
            new XElement("target", new XAttribute("dev", TargetDev), new XAttribute("bus", "virtio")),
            ReadOnly ? new XElement("readonly") : null,
            bootOrder is { } order ? new XElement("boot", new XAttribute("order", order)) : null,
            AliasElement());
    }
}

/// <summary>Image formats of file disks.</summary>
internal enum DiskFormat
{
    Raw,
    Qcow2,
}

/// <summary>A disk backed by a file on the host (tests, local scratch disks).</summary>
internal sealed record FileDiskDevice : DiskDevice
{
    /// <summary>Absolute path of the image on the host.</summary>
    public required string Path { get; init; }

    public DiskFormat Format { get; init; } = DiskFormat.Raw;

    /// <summary>cache='none' io='native' (O_DIRECT, as for RBD); false for file systems without O_DIRECT (tmpfs): the defaults then.</summary>
    public bool DirectIo { get; init; } = true;

    internal override XElement ToXElement(int? bootOrder)
    {
        if (!System.IO.Path.IsPathFullyQualified(Path))
        {
            throw new ArgumentException($"disk image path '{Path}' is not absolute");
        }
        var driver = new XElement("driver", new XAttribute("name", "qemu"),
            new XAttribute("type", Format == DiskFormat.Qcow2 ? "qcow2" : "raw"));
        if (DirectIo)
        {
            driver.Add(new XAttribute("cache", "none"), new XAttribute("io", "native"));
        }
        return DiskElement("file", bootOrder, driver, new XElement("source", new XAttribute("file", Path)));
    }
}

/// <summary>A Ceph monitor as qemu's rbd driver reaches it (the msgr v1 port, 6789 by default).</summary>
internal sealed record CephMonitor(string Host, int Port = 6789);

/// <summary>
/// An RBD image as a raw virtio disk: driver qemu, type raw, cache none, io native; cephx with
/// the libvirt secret <see cref="SecretUuid"/> (a ceph secret holding the key of <see cref="CephUser"/>).
/// </summary>
internal sealed record RbdDiskDevice : DiskDevice
{
    public required string Pool { get; init; }

    public required string Image { get; init; }

    public required IReadOnlyList<CephMonitor> Monitors { get; init; }

    /// <summary>The cephx user without the <c>client.</c> prefix; null for a cluster without cephx.</summary>
    public string? CephUser { get; init; }

    public Guid SecretUuid { get; init; }

    internal override XElement ToXElement(int? bootOrder)
    {
        if (!LibvirtSyntax.RbdName().IsMatch(Pool) || !LibvirtSyntax.RbdName().IsMatch(Image))
        {
            throw new ArgumentException($"RBD pool '{Pool}' or image '{Image}' has characters other than letters, digits, '.', '_' or '-'");
        }
        if (Monitors.Count == 0)
        {
            throw new ArgumentException($"RBD disk {Pool}/{Image} names no monitor");
        }
        var source = new XElement("source", new XAttribute("protocol", "rbd"), new XAttribute("name", $"{Pool}/{Image}"));
        foreach (var monitor in Monitors)
        {
            if (string.IsNullOrWhiteSpace(monitor.Host) || monitor.Port is < 1 or > 65535)
            {
                throw new ArgumentException($"Ceph monitor '{monitor.Host}:{monitor.Port}' is not a host and port");
            }
            source.Add(new XElement("host", new XAttribute("name", monitor.Host), new XAttribute("port", monitor.Port)));
        }
        XElement? auth = null;
        if (CephUser is not null)
        {
            if (SecretUuid == Guid.Empty)
            {
                throw new ArgumentException($"RBD disk {Pool}/{Image} has a cephx user but no secret");
            }
            auth = new XElement("auth", new XAttribute("username", CephUser),
                new XElement("secret", new XAttribute("type", "ceph"), new XAttribute("uuid", SecretUuid)));
        }
        return DiskElement("network", bootOrder,
            new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "raw"),
                new XAttribute("cache", "none"), new XAttribute("io", "native")),
            auth,
            source);
    }
}

/// <summary>A virtio NIC plugged into a Linux bridge on the host.</summary>
internal sealed record BridgeNicDevice : DomainDevice
{
    public required string Bridge { get; init; }

    /// <summary>Unicast MAC, <c>xx:xx:xx:xx:xx:xx</c> (see <see cref="MacAddresses.NewRandom"/>).</summary>
    public required string MacAddress { get; init; }

    internal override XElement ToXElement(int? bootOrder)
    {
        if (!MacAddresses.IsValidUnicast(MacAddress))
        {
            throw new ArgumentException($"'{MacAddress}' is not a unicast MAC address (xx:xx:xx:xx:xx:xx)");
        }
        // IFNAMSIZ: 15 bytes, and no '/', ':' or white space in a Linux interface name.
        if (!LibvirtSyntax.InterfaceName().IsMatch(Bridge))
        {
            throw new ArgumentException($"'{Bridge}' is not a Linux bridge name");
        }
        return new XElement("interface", new XAttribute("type", "bridge"),
            new XElement("mac", new XAttribute("address", MacAddress.ToLowerInvariant())),
            new XElement("source", new XAttribute("bridge", Bridge)),
            new XElement("model", new XAttribute("type", "virtio")),
            bootOrder is { } order ? new XElement("boot", new XAttribute("order", order)) : null,
            AliasElement());
    }
}

/// <summary>User device aliases (libvirt keeps only aliases starting with <c>ua-</c>).</summary>
internal static class DeviceAlias
{
    public const string Prefix = "ua-";

    /// <summary>A new unique alias: <c>ua-</c> and 32 hex digits.</summary>
    public static string New() => Prefix + Guid.NewGuid().ToString("N");

    /// <summary>An alias from an id of the caller's (e.g. <c>vol-1a2b3c4d</c> → <c>ua-vol-1a2b3c4d</c>).</summary>
    public static string For(string id) => Validate(Prefix + id);

    public static bool IsValid(string alias) => LibvirtSyntax.UserAlias().IsMatch(alias);

    public static string Validate(string alias) => IsValid(alias)
        ? alias
        : throw new ArgumentException($"device alias '{alias}' is not 'ua-' followed by letters, digits, '-' or '_'");
}

/// <summary>MAC addresses for guest NICs.</summary>
internal static class MacAddresses
{
    /// <summary>52:54:00 (the prefix qemu/KVM guests conventionally use) and three random bytes.</summary>
    public static string NewRandom()
    {
        Span<byte> tail = stackalloc byte[3];
        RandomNumberGenerator.Fill(tail);
        return string.Create(CultureInfo.InvariantCulture, $"52:54:00:{tail[0]:x2}:{tail[1]:x2}:{tail[2]:x2}");
    }

    public static bool IsValidUnicast(string mac) =>
        LibvirtSyntax.MacAddress().IsMatch(mac)
        && (byte.Parse(mac.AsSpan(0, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & 1) == 0;
}

internal static partial class LibvirtSyntax
{
    [GeneratedRegex("^vd[a-z]{1,2}$", RegexOptions.CultureInvariant)]
    public static partial Regex VirtioTarget();

    [GeneratedRegex("^ua-[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant)]
    public static partial Regex UserAlias();

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    public static partial Regex RbdName();

    [GeneratedRegex("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$", RegexOptions.CultureInvariant)]
    public static partial Regex MacAddress();

    [GeneratedRegex(@"^[^/:\s]{1,15}$", RegexOptions.CultureInvariant)]
    public static partial Regex InterfaceName();
}

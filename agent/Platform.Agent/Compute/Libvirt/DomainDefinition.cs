using System.Xml.Linq;

namespace Platform.Agent.Compute.Libvirt;

/// <summary>How the guest's CPU runs: kvm (hardware) or qemu (TCG emulation).</summary>
internal enum VirtualizationType
{
    /// <summary>TCG: slow, but boots Linux guests where only nested KVM-PVM is available (see ENVIRONMENT.md).</summary>
    Qemu,
    Kvm,
}

/// <summary>
/// A persistent x86_64 domain as the agent defines it: the boot disk first in boot order,
/// data disks, bridge NICs, and optionally the serial console written to a file. Built into
/// libvirt domain XML with System.Xml.Linq: the name and every other value are element text or
/// attribute values, escaped by the XML writer, so no input can add markup. Whether libvirt
/// accepts a value (e.g. a name with '/') is libvirt's call at define time.
/// </summary>
internal sealed record DomainDefinition
{
    public required string Name { get; init; }

    public required Guid Uuid { get; init; }

    public int VirtualCpus { get; init; } = 1;

    public required int MemoryMiB { get; init; }

    public VirtualizationType Type { get; init; } = VirtualizationType.Kvm;

    public required DiskDevice BootDisk { get; init; }

    public IReadOnlyList<DiskDevice> DataDisks { get; init; } = [];

    public IReadOnlyList<BridgeNicDevice> Nics { get; init; } = [];

    /// <summary>When set, serial port 0 (and the console on it) goes to this file on the host.</summary>
    public string? SerialLogPath { get; init; }

    /// <summary>The domain element; <see cref="ArgumentException"/> for an invalid definition.</summary>
    public XElement ToXElement()
    {
        Validate();
        var devices = new XElement("devices", BootDisk.ToXElement(bootOrder: 1));
        foreach (var disk in DataDisks)
        {
            devices.Add(disk.ToXElement(bootOrder: null));
        }
        foreach (var nic in Nics)
        {
            devices.Add(nic.ToXElement(bootOrder: null));
        }
        if (SerialLogPath is not null)
        {
            devices.Add(
                new XElement("serial", new XAttribute("type", "file"),
                    new XElement("source", new XAttribute("path", SerialLogPath)),
                    new XElement("target", new XAttribute("port", 0))),
                new XElement("console", new XAttribute("type", "file"),
                    new XElement("source", new XAttribute("path", SerialLogPath)),
                    new XElement("target", new XAttribute("type", "serial"), new XAttribute("port", 0))));
        }

        return new XElement("domain", new XAttribute("type", Type == VirtualizationType.Qemu ? "qemu" : "kvm"),
            new XElement("name", Name),
            new XElement("uuid", Uuid.ToString("D")),
            new XElement("memory", new XAttribute("unit", "MiB"), MemoryMiB),
            new XElement("vcpu", VirtualCpus),
            new XElement("os", new XElement("type", new XAttribute("arch", "x86_64"), "hvm")),
            // ACPI: the power button (graceful shutdown) and PCI hot-unplug both go through it.
            new XElement("features", new XElement("acpi"), new XElement("apic")),
            new XElement("clock", new XAttribute("offset", "utc")),
            new XElement("on_poweroff", "destroy"),
            new XElement("on_reboot", "restart"),
            new XElement("on_crash", "destroy"),
            devices);
    }

    /// <summary>The document for virDomainDefineXML.</summary>
    public string ToXml() => ToXElement().ToString();

    private void Validate()
    {
        if (string.IsNullOrEmpty(Name))
        {
            throw new ArgumentException("a domain needs a name");
        }
        if (Uuid == Guid.Empty)
        {
            throw new ArgumentException($"domain {Name} needs a UUID");
        }
        if (VirtualCpus < 1 || MemoryMiB < 1)
        {
            throw new ArgumentException($"domain {Name} needs at least one vCPU and 1 MiB (got {VirtualCpus}, {MemoryMiB} MiB)");
        }
        if (SerialLogPath is not null && !Path.IsPathFullyQualified(SerialLogPath))
        {
            throw new ArgumentException($"serial log path '{SerialLogPath}' is not absolute");
        }
        var disks = DataDisks.Prepend(BootDisk).ToList();
        var target = disks.GroupBy(d => d.TargetDev, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (target is not null)
        {
            throw new ArgumentException($"domain {Name} has two disks on {target.Key}");
        }
        var alias = disks.Select(d => d.Alias).Concat(Nics.Select(n => n.Alias))
            .GroupBy(a => a, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (alias is not null)
        {
            throw new ArgumentException($"domain {Name} has two devices with alias {alias.Key}");
        }
    }
}

/// <summary>A libvirt secret of usage type ceph: persistent, and private (its value cannot be read back).</summary>
internal sealed record CephSecretDefinition(Guid Uuid, string UsageName)
{
    public string? Description { get; init; }

    public string ToXml()
    {
        if (Uuid == Guid.Empty || string.IsNullOrEmpty(UsageName))
        {
            throw new ArgumentException("a ceph secret needs a UUID and a usage name");
        }
        return new XElement("secret", new XAttribute("ephemeral", "no"), new XAttribute("private", "yes"),
            Description is null ? null : new XElement("description", Description),
            new XElement("uuid", Uuid.ToString("D")),
            new XElement("usage", new XAttribute("type", "ceph"), new XElement("name", UsageName))).ToString();
    }
}

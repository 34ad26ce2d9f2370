using System.Xml.Linq;

namespace Platform.Agent.Compute.Libvirt;

/// <summary>
/// The transient guest of the start-up KVM probe: a Linux kernel booted directly (no
/// firmware disk, no initramfs, no disk, no network), its serial console written to a file.
/// Without a root file system the kernel ends its boot in the "VFS: Unable to mount root"
/// panic, which is the proof that the CPU ran it through; it then reboots (panic=-1), which
/// ends the domain. The CPU model and features are left at libvirt's defaults, as for
/// <see cref="DomainDefinition"/>: the probe asks whether the agent's real domains would run.
/// </summary>
internal sealed record ProbeDomainDefinition
{
    /// <summary>earlyprintk: a guest that dies in its first second still says how far it got.</summary>
    public const string DefaultCommandLine = "console=ttyS0 earlyprintk=ttyS0 panic=-1";

    public required string Name { get; init; }

    public required Guid Uuid { get; init; }

    public VirtualizationType Type { get; init; } = VirtualizationType.Kvm;

    public int MemoryMiB { get; init; } = 128;

    /// <summary>Absolute path of the kernel image (bzImage) on the host.</summary>
    public required string KernelPath { get; init; }

    public string CommandLine { get; init; } = DefaultCommandLine;

    /// <summary>Absolute path of the file the serial console is written to.</summary>
    public required string SerialLogPath { get; init; }

    /// <summary>The document for virDomainCreateXML; <see cref="ArgumentException"/> for an invalid definition.</summary>
    public string ToXml()
    {
        if (string.IsNullOrEmpty(Name) || Uuid == Guid.Empty || MemoryMiB < 1)
        {
            throw new ArgumentException("a probe domain needs a name, a UUID and memory");
        }
        if (!Path.IsPathFullyQualified(KernelPath) || !Path.IsPathFullyQualified(SerialLogPath))
        {
            throw new ArgumentException($"kernel '{KernelPath}' and serial log '{SerialLogPath}' must be absolute paths");
        }
        return new XElement("domain", new XAttribute("type", DomainTypeDecision.NameOf(Type)),
            new XElement("name", Name),
            new XElement("uuid", Uuid.ToString("D")),
            new XElement("memory", new XAttribute("unit", "MiB"), MemoryMiB),
            new XElement("vcpu", 1),
            new XElement("os",
                new XElement("type", new XAttribute("arch", "x86_64"), "hvm"),
                new XElement("kernel", KernelPath),
                new XElement("cmdline", CommandLine)),
            new XElement("features", new XElement("acpi"), new XElement("apic")),
            new XElement("clock", new XAttribute("offset", "utc")),
            // Whatever way the guest ends, the (transient) domain is gone.
            new XElement("on_poweroff", "destroy"),
            new XElement("on_reboot", "destroy"),
            new XElement("on_crash", "destroy"),
            new XElement("devices",
                new XElement("serial", new XAttribute("type", "file"),
                    new XElement("source", new XAttribute("path", SerialLogPath)),
                    new XElement("target", new XAttribute("port", 0))),
                new XElement("console", new XAttribute("type", "file"),
                    new XElement("source", new XAttribute("path", SerialLogPath)),
                    new XElement("target", new XAttribute("type", "serial"), new XAttribute("port", 0))),
                // Nothing the probe does not need: no USB controller, no balloon.
                new XElement("controller", new XAttribute("type", "usb"), new XAttribute("model", "none")),
                new XElement("memballoon", new XAttribute("model", "none")))).ToString();
    }
}

using System.Xml.Linq;

namespace Platform.Tests.Integration.Foundation;

/// <summary>
/// The tiny test guest booting from an RBD image, built with an XML API so no value is
/// ever spliced into markup. TCG (type='qemu'): the nested KVM here hangs Linux guests.
/// </summary>
internal sealed record GuestDomainXml(
    string Name,
    Guid Uuid,
    string RbdImage,
    string MonitorHost,
    int MonitorPort,
    string CephUser,
    Guid CephSecret,
    string Bridge,
    string SerialLog)
{
    public string Build() => new XElement("domain", new XAttribute("type", "qemu"),
        new XElement("name", Name),
        new XElement("uuid", Uuid),
        new XElement("memory", new XAttribute("unit", "MiB"), 256),
        new XElement("vcpu", 1),
        new XElement("os", new XElement("type", new XAttribute("arch", "x86_64"), "hvm"), new XElement("boot", new XAttribute("dev", "hd"))),
        new XElement("features", new XElement("acpi"), new XElement("apic")),
        new XElement("on_poweroff", "destroy"),
        new XElement("on_reboot", "destroy"),
        new XElement("on_crash", "destroy"),
        new XElement("devices",
            new XElement("disk", new XAttribute("type", "network"), new XAttribute("device", "disk"),
                new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "raw"), new XAttribute("cache", "none"), new XAttribute("io", "native")),
                new XElement("auth", new XAttribute("username", CephUser),
                    new XElement("secret", new XAttribute("type", "ceph"), new XAttribute("uuid", CephSecret))),
                new XElement("source", new XAttribute("protocol", "rbd"), new XAttribute("name", RbdImage),
                    new XElement("host", new XAttribute("name", MonitorHost), new XAttribute("port", MonitorPort))),
                new XElement("target", new XAttribute("dev", "vda"), new XAttribute("bus", "virtio"))),
            new XElement("interface", new XAttribute("type", "bridge"),
                new XElement("source", new XAttribute("bridge", Bridge)),
                new XElement("model", new XAttribute("type", "virtio"))),
            new XElement("serial", new XAttribute("type", "file"),
                new XElement("source", new XAttribute("path", SerialLog)),
                new XElement("target", new XAttribute("port", 0))),
            new XElement("console", new XAttribute("type", "file"),
                new XElement("source", new XAttribute("path", SerialLog)),
                new XElement("target", new XAttribute("type", "serial"), new XAttribute("port", 0))))).ToString();

    public static string CephSecretXml(Guid uuid, string usage) => new XElement("secret",
        new XAttribute("ephemeral", "no"), new XAttribute("private", "yes"),
        new XElement("uuid", uuid),
        new XElement("usage", new XAttribute("type", "ceph"), new XElement("name", usage))).ToString();
}

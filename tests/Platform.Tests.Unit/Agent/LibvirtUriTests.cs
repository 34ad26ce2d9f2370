using Platform.Agent.Compute;

namespace Platform.Tests.Unit.Agent;

public class LibvirtUriTests
{
    [TestCase("qemu:///system?socket=/var/lib/p/libvirt/run/libvirt/libvirt-sock", "/var/lib/p/libvirt/run/libvirt/libvirt-sock")]
    [TestCase("qemu:///system?no_verify=1&socket=%2Ftmp%2Fa%20b%2Fsock", "/tmp/a b/sock")]
    [TestCase("qemu:///system", LibvirtUri.DefaultSystemSocket)]
    [TestCase("qemu+unix:///system", LibvirtUri.DefaultSystemSocket)]
    public void Local_uri_names_its_socket(string uri, string expected) =>
        Assert.That(LibvirtUri.LocalSocketPath(uri), Is.EqualTo(expected));

    [TestCase("qemu+ssh://root@host2/system")]
    [TestCase("qemu+tls://host2/system")]
    [TestCase("test:///default")]
    public void Remote_or_in_process_uri_has_no_local_socket(string uri) =>
        Assert.That(LibvirtUri.LocalSocketPath(uri), Is.Null);

    [TestCase("system")]
    [TestCase("")]
    public void Not_a_uri_is_refused(string uri) =>
        Assert.That(() => LibvirtUri.LocalSocketPath(uri), Throws.TypeOf<FormatException>());
}

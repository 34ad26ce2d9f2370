using Platform.Agent.Compute.Libvirt;

namespace Platform.Tests.Integration.Compute;

/// <summary>Values with XML metacharacters reach libvirt as values: it accepts or refuses them, markup never changes.</summary>
public class LibvirtDomainXmlTests : LibvirtTestBase
{
    [Test]
    public async Task Name_with_xml_metacharacters_is_stored_verbatim_and_injects_nothing()
    {
        var name = UniqueName("meta") + " <uuid>&amp;'\"]]> <devices><disk>";
        var definition = OsLessGuest(name);

        using var domain = await DefineAsync(definition);
        var description = await domain.DescribeAsync(inactive: true);
        using var found = await Connection.GetDomainAsync(name);

        Assert.Multiple(() =>
        {
            Assert.That(domain.Name, Is.EqualTo(name));
            Assert.That(description.Name, Is.EqualTo(name));
            Assert.That(description.Uuid, Is.EqualTo(definition.Uuid));
            Assert.That(description.Disks, Has.Count.EqualTo(1));
            Assert.That(found.Uuid, Is.EqualTo(definition.Uuid));
        });
    }

    [Test]
    public async Task Name_libvirt_refuses_fails_with_libvirts_error_not_a_parse_error()
    {
        // Well-formed XML; the qemu driver refuses '/' in names (they become file names).
        var definition = OsLessGuest(UniqueName("slash") + "</name><name>evil/..");

        var error = await Assert.ThrowsAsync<LibvirtException>(() => Connection.DefineDomainAsync(definition));

        TestContext.Out.WriteLine($"{error!.Code} / {error.ErrorDomain}: {error.Message}");
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(error.Message, Does.Contain("cannot contain '/'"));
            Assert.That(error.Function, Is.EqualTo("virDomainDefineXML"));
            Assert.That(await Connection.FindDomainAsync("evil/.."), Is.Null);
        });
    }
}

using Platform.Agent.Compute.Libvirt;

namespace Platform.Tests.Integration.Compute;

/// <summary>The connection half of the binding against the test libvirtd: host facts, lookups, typed errors.</summary>
public class LibvirtConnectionTests : LibvirtTestBase
{
    [Test]
    public async Task Connection_reports_node_info_free_memory_and_versions()
    {
        var node = await Connection.GetNodeInfoAsync();
        var free = await Connection.GetFreeMemoryAsync();
        var versions = await Connection.GetVersionsAsync();
        TestContext.Out.WriteLine($"{node}; free {free >> 20} MiB; libvirt {versions.Library}, qemu {versions.Hypervisor}");

        Assert.Multiple(() =>
        {
            Assert.That(node.Cpus, Is.EqualTo((uint)Environment.ProcessorCount));
            Assert.That(node.MemoryBytes, Is.GreaterThan(256UL << 20));
            Assert.That(free, Is.InRange(1UL, node.MemoryBytes));
            Assert.That(versions.Library, Is.GreaterThanOrEqualTo(new Version(9, 0, 0)));
            Assert.That(versions.Hypervisor.Major, Is.GreaterThanOrEqualTo(7), "qemu");
            Assert.That(Connection.IsAlive, Is.True);
            Assert.That(Connection.DeliversEvents, Is.True);
        });
    }

    [Test]
    public async Task Unknown_domain_name_raises_a_typed_no_domain_error()
    {
        var name = UniqueName("missing");

        var error = await Assert.ThrowsAsync<LibvirtDomainNotFoundException>(() => Connection.GetDomainAsync(name));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Code, Is.EqualTo(LibvirtErrorCode.NoDomain));
            Assert.That((int)error.Code, Is.EqualTo(42), "VIR_ERR_NO_DOMAIN");
            Assert.That(error.Function, Is.EqualTo("virDomainLookupByName"));
            Assert.That(error.Message, Does.Contain(name));
        });
        TestContext.Out.WriteLine(error);
    }

    [Test]
    public async Task Unknown_domain_uuid_raises_a_typed_no_domain_error_and_find_returns_null()
    {
        var error = await Assert.ThrowsAsync<LibvirtDomainNotFoundException>(() => Connection.GetDomainAsync(Guid.NewGuid()));

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(error!.Function, Is.EqualTo("virDomainLookupByUUIDString"));
            Assert.That(await Connection.FindDomainAsync(UniqueName("missing")), Is.Null);
        });
    }

    [Test]
    public async Task Socket_nobody_listens_on_raises_a_libvirt_error_at_open()
    {
        var uri = $"qemu:///system?socket={WorkDirectory}/no-such-socket";

        var error = await Assert.ThrowsAsync<LibvirtException>(() => LibvirtConnection.OpenAsync(uri));

        Assert.That(error!.Function, Is.EqualTo("virConnectOpen"));
        TestContext.Out.WriteLine($"{error.Code} / {error.ErrorDomain}: {error.Message}");
    }

    [Test]
    public async Task Defined_domain_is_listed_and_found_by_name_and_uuid()
    {
        var definition = OsLessGuest(UniqueName("listed"));
        using var defined = await DefineAsync(definition);

        var inactive = await Connection.ListDomainsAsync(DomainListFilter.Inactive);
        using var byName = await Connection.GetDomainAsync(definition.Name);
        using var byUuid = await Connection.GetDomainAsync(definition.Uuid);
        var state = await defined.GetStateAsync();

        try
        {
            Assert.Multiple(() =>
            {
                Assert.That(defined.Uuid, Is.EqualTo(definition.Uuid));
                Assert.That(inactive.Select(d => d.Name), Does.Contain(definition.Name));
                Assert.That(byName.Uuid, Is.EqualTo(definition.Uuid));
                Assert.That(byUuid.Name, Is.EqualTo(definition.Name));
                Assert.That(state.State, Is.EqualTo(DomainState.ShutOff));
            });
        }
        finally
        {
            foreach (var domain in inactive)
            {
                domain.Dispose();
            }
        }
    }

    [Test]
    public async Task Starting_a_running_domain_raises_operation_invalid()
    {
        using var domain = await DefineAsync(OsLessGuest(UniqueName("twice")));
        await domain.StartAsync();

        var error = await Assert.ThrowsAsync<LibvirtOperationInvalidException>(() => domain.StartAsync());

        Assert.That(error!.Code, Is.EqualTo(LibvirtErrorCode.OperationInvalid));
        TestContext.Out.WriteLine(error.Message);
    }

    [Test]
    public async Task Hot_plug_on_the_in_process_test_driver_raises_no_support()
    {
        using var test = await LibvirtConnection.OpenAsync("test:///default");
        using var domain = await test.GetDomainAsync("test");
        var disk = new FileDiskDevice { Path = CreateBlankDisk(), TargetDev = "vdz", Alias = DeviceAlias.New() };

        var error = await Assert.ThrowsAsync<LibvirtNotSupportedException>(() => domain.AttachDeviceAsync(disk, DeviceModification.Live));

        Assert.That(error!.Code, Is.EqualTo(LibvirtErrorCode.NoSupport));
    }

    [Test]
    public async Task Interface_addresses_are_marshalled_from_the_test_drivers_answer()
    {
        // The in-process test driver invents one address per NIC: the whole struct array
        // (names, MACs, address arrays) goes through the binding's copy-then-free path.
        using var test = await LibvirtConnection.OpenAsync("test:///default");
        using var domain = await test.GetDomainAsync("test");

        var interfaces = await domain.GetInterfaceAddressesAsync(InterfaceAddressSource.Lease);

        var only = interfaces.Single();
        Assert.Multiple(() =>
        {
            Assert.That(only.Name, Is.EqualTo("testnet0"));
            Assert.That(only.MacAddress, Is.EqualTo("aa:bb:cc:dd:ee:ff"));
            Assert.That(only.Addresses.Single().Address, Is.EqualTo(System.Net.IPAddress.Parse("192.168.122.3")));
            Assert.That(only.Addresses.Single().PrefixLength, Is.EqualTo(24));
        });
    }

    [Test]
    public async Task Disposing_a_connection_deregisters_its_callbacks_releases_their_handles_and_ends_its_streams()
    {
        var before = Interop.Libvirt.ActiveEventRegistrations;
        var second = await LibvirtConnection.OpenAsync(LibvirtUri);
        var registered = Interop.Libvirt.ActiveEventRegistrations - before;
        using var subscription = second.SubscribeDomainEvents();
        var reading = Task.Run(async () =>
        {
            await foreach (var _ in subscription.ReadAllAsync())
            {
            }
        });

        second.Dispose();

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(registered, Is.EqualTo(2), "lifecycle and device-removed");
            Assert.That(await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(10))), Is.SameAs(reading), "the stream ended");
            Assert.That(Interop.Libvirt.ActiveEventRegistrations, Is.EqualTo(before), "libvirt's free callback released both GCHandles");
            Assert.That(() => second.SubscribeDomainEvents(), Throws.InstanceOf<ObjectDisposedException>());
        });
    }
}

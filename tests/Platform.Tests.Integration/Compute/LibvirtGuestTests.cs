using Platform.Agent.Compute.Libvirt;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Compute;

/// <summary>
/// The tiny real guest (boots from a file copy of the guest disk under TCG, powers off on the
/// ACPI button, releases hot-unplugged devices) driven only through the binding.
/// </summary>
public class LibvirtGuestTests : LibvirtTestBase
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] OnlyBootDisk = ["vda"];
    private static readonly string[] MilestoneEvents = ["Defined/Added", "Started/Booted", "Stopped/Shutdown", "Undefined/Removed"];

    [Test]
    public async Task Tiny_guest_boots_round_trips_its_xml_reports_lifecycle_events_and_honours_acpi_shutdown()
    {
        var nic = NewNic();
        var definition = TinyGuest(UniqueName("life"), out var serialLog, nic);
        using var events = Connection.SubscribeDomainEvents();
        using var journal = Connection.SubscribeDomainEvents();

        using var domain = await DefineAsync(definition);
        var defined = await events.WaitForAsync<DomainLifecycleEvent>(e => e.DomainUuid == definition.Uuid, EventTimeout);

        var inactive = await domain.DescribeAsync(inactive: true);
        Assert.Multiple(() =>
        {
            Assert.That(defined?.Type, Is.EqualTo(DomainLifecycleEventType.Defined));
            Assert.That(defined?.DomainName, Is.EqualTo(definition.Name));
            Assert.That(inactive.Name, Is.EqualTo(definition.Name));
            Assert.That(inactive.Uuid, Is.EqualTo(definition.Uuid));
            Assert.That(inactive.Type, Is.EqualTo("qemu"));
            Assert.That(inactive.Disks.Single().TargetDev, Is.EqualTo("vda"));
            Assert.That(inactive.Disks.Single().SourceFile, Is.EqualTo(((FileDiskDevice)definition.BootDisk).Path));
            Assert.That(inactive.Disks.Single().Alias, Is.EqualTo(definition.BootDisk.Alias));
            Assert.That(inactive.Nics.Single().MacAddress, Is.EqualTo(nic.MacAddress));
            Assert.That(inactive.Nics.Single().Bridge, Is.EqualTo(Bridge));
            Assert.That(inactive.Nics.Single().Alias, Is.EqualTo(nic.Alias));
        });

        Report("start (virDomainCreate)", await TimeAsync(() => domain.StartAsync()));
        var started = await events.WaitForAsync<DomainLifecycleEvent>(
            e => e.DomainUuid == definition.Uuid && e.Type == DomainLifecycleEventType.Started, EventTimeout);
        Assert.That((DomainStartedDetail?)started?.Detail, Is.EqualTo(DomainStartedDetail.Booted));
        Report("guest ready on its serial console", await SerialSaysAsync(serialLog, ReadyMarker, BootTimeout));
        Assert.That((await domain.GetStateAsync()).State, Is.EqualTo(DomainState.Running));

        var live = await domain.DescribeAsync();
        Assert.That(live.Nics.Single().TargetDev, Is.Not.Null.And.Not.Empty, "a running NIC has its tap");

        var shutdownClock = System.Diagnostics.Stopwatch.StartNew();
        await domain.ShutdownAsync();
        var stopped = await events.WaitForAsync<DomainLifecycleEvent>(
            e => e.DomainUuid == definition.Uuid && e.Type == DomainLifecycleEventType.Stopped, EventTimeout);
        Report("ACPI shutdown until the Stopped event", shutdownClock.Elapsed);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(stopped, Is.Not.Null, "Stopped event");
            Assert.That((DomainStoppedDetail?)stopped?.Detail, Is.EqualTo(DomainStoppedDetail.Shutdown));
            Assert.That((await domain.GetStateAsync()).State, Is.EqualTo(DomainState.ShutOff));
            Assert.That(await File.ReadAllTextAsync(serialLog), Does.Contain(PowerOffMarker), "the guest itself powered off");
        });

        await domain.UndefineAsync();
        var undefined = await events.WaitForAsync<DomainLifecycleEvent>(
            e => e.DomainUuid == definition.Uuid && e.Type == DomainLifecycleEventType.Undefined, EventTimeout);
        Assert.That(undefined, Is.Not.Null, "Undefined event");
        await Assert.ThrowsAsync<LibvirtDomainNotFoundException>(() => Connection.GetDomainAsync(definition.Uuid));

        var sequence = new List<string>();
        while (journal.Reader.TryRead(out var seen))
        {
            if (seen is DomainLifecycleEvent lifecycle && seen.DomainUuid == definition.Uuid)
            {
                sequence.Add($"{lifecycle.Type}/{lifecycle.DetailName}");
            }
        }
        TestContext.Out.WriteLine("lifecycle events: " + string.Join(", ", sequence));
        // Around these libvirt also reports Resumed/Unpaused (before Started) and Shutdown/*.
        Assert.That(sequence.Where(MilestoneEvents.Contains), Is.EqualTo(MilestoneEvents));
    }

    [Test]
    public async Task Disk_attached_live_and_config_is_in_both_definitions_and_detaches_with_device_removed()
    {
        var definition = TinyGuest(UniqueName("disk"), out var serialLog);
        using var domain = await DefineAsync(definition);
        await domain.StartAsync();
        await SerialSaysAsync(serialLog, ReadyMarker, BootTimeout);
        var disk = new FileDiskDevice { Path = CreateBlankDisk(), TargetDev = "vdb", Alias = DeviceAlias.New() };

        Report("attach disk (live+config)", await TimeAsync(() => domain.AttachDeviceAsync(disk)));
        var live = await domain.DescribeAsync();
        var persistent = await domain.DescribeAsync(inactive: true);
        Assert.Multiple(() =>
        {
            Assert.That(live.FindDisk("vdb")?.Alias, Is.EqualTo(disk.Alias));
            Assert.That(live.FindDisk("vdb")?.SourceFile, Is.EqualTo(disk.Path));
            Assert.That(persistent.HasDevice(disk.Alias), Is.True, "persistent definition");
        });
        await SerialSaysAsync(serialLog, DisksMarker, TimeSpan.FromSeconds(30), line => line.Contains("vdb", StringComparison.Ordinal));

        using var events = Connection.SubscribeDomainEvents();
        var result = await domain.DetachDeviceAndConfirmAsync(disk, TimeSpan.FromSeconds(20));
        Report("detach disk: libvirt call", result.RequestDuration);
        Report("detach disk: until confirmed", result.Elapsed);

        var removed = await events.WaitForAsync<DomainDeviceRemovedEvent>(e => e.DomainUuid == definition.Uuid, EventTimeout);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(result.Outcome, Is.EqualTo(DeviceDetachOutcome.RemovedEventReceived));
            Assert.That(removed?.DeviceAlias, Is.EqualTo(disk.Alias));
            Assert.That(removed?.DomainName, Is.EqualTo(definition.Name));
            Assert.That((await domain.DescribeAsync()).HasDevice(disk.Alias), Is.False, "live definition");
            Assert.That((await domain.DescribeAsync(inactive: true)).HasDevice(disk.Alias), Is.False, "persistent definition");
        });
        await Eventually.HoldsAsync(async () => (await LastGuestDisksAsync(serialLog)).SequenceEqual(OnlyBootDisk),
            TimeSpan.FromSeconds(30), "the guest no longer sees vdb");
    }

    [Test]
    public async Task Nic_attached_on_the_bridge_detaches_with_device_removed()
    {
        var definition = TinyGuest(UniqueName("nic"), out var serialLog);
        using var domain = await DefineAsync(definition);
        await domain.StartAsync();
        await SerialSaysAsync(serialLog, ReadyMarker, BootTimeout);
        var nic = NewNic();

        Report("attach NIC (live+config)", await TimeAsync(() => domain.AttachDeviceAsync(nic)));
        var attached = (await domain.DescribeAsync()).FindNic(nic.MacAddress);
        Assert.That(attached, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(attached!.Alias, Is.EqualTo(nic.Alias));
            Assert.That(attached.Bridge, Is.EqualTo(Bridge));
            Assert.That(attached.Model, Is.EqualTo("virtio"));
            Assert.That(attached.TargetDev, Is.Not.Null);
            Assert.That(BridgeOf(attached.TargetDev!), Is.EqualTo(Bridge), "the tap is a port of the bridge");
        });

        using var events = Connection.SubscribeDomainEvents();
        var result = await domain.DetachDeviceAndConfirmAsync(nic, TimeSpan.FromSeconds(20));
        Report("detach NIC: libvirt call", result.RequestDuration);
        Report("detach NIC: until confirmed", result.Elapsed);

        var removed = await events.WaitForAsync<DomainDeviceRemovedEvent>(e => e.DomainUuid == definition.Uuid, EventTimeout);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(result.Outcome, Is.EqualTo(DeviceDetachOutcome.RemovedEventReceived));
            Assert.That(removed?.DeviceAlias, Is.EqualTo(nic.Alias));
            Assert.That((await domain.DescribeAsync()).FindNic(nic.MacAddress), Is.Null);
            Assert.That(Directory.Exists($"/sys/class/net/{attached!.TargetDev}"), Is.False, "the tap is gone");
        });
    }

    private static string? BridgeOf(string tap)
    {
        var master = new FileInfo($"/sys/class/net/{tap}/master");
        return master.Exists || master.LinkTarget is not null ? Path.GetFileName(master.LinkTarget) : null;
    }
}

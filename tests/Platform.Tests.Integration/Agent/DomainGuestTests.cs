using System.Collections.Concurrent;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;
using DomainEvent = Platform.Contracts.Agent.V1.DomainEvent;

namespace Platform.Tests.Integration.Agent;

/// <summary>
/// The tiny guest through the agent's gRPC API: booted from an RBD clone with cephx, a data
/// disk and a NIC hot-plugged and released with the guest's cooperation, ACPI shutdown,
/// undefine; the event stream seen alongside. One boot for all of it: TCG boots are slow.
/// </summary>
public class DomainGuestTests : DomainTestBase
{
    [Test]
    public async Task Tiny_guest_defines_starts_hot_plugs_shuts_down_and_undefines_through_the_agent()
    {
        var name = NewInstanceId();
        var uuid = Guid.NewGuid().ToString();
        var bootDisk = await BootDiskAsync(name);
        var dataDisk = await CloneAsync($"images/{name}-template@base", $"volumes/{name}-data");
        var bootMac = NewMac();
        UndefineAfterwards(name);

        using var watching = new CancellationTokenSource();
        var events = new ConcurrentQueue<DomainEvent>();
        using var watch = Domains.WatchDomainEvents(new WatchDomainEventsRequest(), cancellationToken: watching.Token);
        var watcher = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in watch.ResponseStream.ReadAllAsync(watching.Token))
                {
                    events.Enqueue(e);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException)
            {
                // Cancelled at the end of the test.
            }
        });
        await Task.Delay(500); // the subscription is made when the call arrives

        var defineRequest = new DefineAndStartDomainRequest
        {
            OperationId = NewOperationId(),
            Name = name,
            Uuid = uuid,
            Vcpus = 1,
            MemoryMib = 256,
            BootDisk = new RbdDisk { Image = bootDisk, Target = "vda" },
            Nics = { new Nic { Mac = bootMac } },
        };
        var started = await Domains.DefineAndStartDomainAsync(defineRequest, deadline: Deadline());
        Assert.Multiple(() =>
        {
            Assert.That(started.Name, Is.EqualTo(name));
            Assert.That(started.Uuid, Is.EqualTo(uuid));
            Assert.That(started.State, Is.EqualTo(DomainState.Running));
            Assert.That(started.Vcpus, Is.EqualTo(1u));
            Assert.That(started.MemoryMib, Is.EqualTo(256UL));
            Assert.That(started.Disks.Select(d => (d.Image, d.Target)), Is.EqualTo(new[] { (bootDisk, "vda") }));
            Assert.That(started.Nics.Single().Mac, Is.EqualTo(bootMac));
            Assert.That(started.Nics.Single().Bridge, Is.EqualTo(Bridge));
        });
        var again = await Domains.DefineAndStartDomainAsync(defineRequest, deadline: Deadline());
        Assert.That(again.State, Is.EqualTo(DomainState.Running), "the same operation answered again");
        Assert.That(await DomainStateAsync(name), Is.EqualTo("running"));
        Report("guest ready, booted from RBD", await SerialSaysAsync(SerialLogOf(name), ReadyMarker, BootTimeout));

        // Data disk: hot-plugged live and persistent, seen by the guest, released with its cooperation.
        await Domains.AttachDiskAsync(new AttachDiskRequest { OperationId = NewOperationId(), Domain = name, Disk = new RbdDisk { Image = dataDisk, Target = "vdb" } }, deadline: Deadline());
        Assert.That(await LiveXmlAsync(name), Does.Contain($"name='{dataDisk}'").And.Contain("ua-disk-vdb"));
        await SerialSaysAsync(SerialLogOf(name), DisksMarker, TimeSpan.FromSeconds(60), line => line.Contains("vdb", StringComparison.Ordinal));
        var listed = await Domains.GetDomainAsync(new GetDomainRequest { Name = name }, deadline: Deadline());
        Assert.That(listed.Disks.Select(d => d.Target), Is.EqualTo(new[] { "vda", "vdb" }));

        var detachTime = await TimeAsync(() => Domains.DetachDiskAsync(new DetachDiskRequest { OperationId = NewOperationId(), Domain = name, Target = "vdb" }, deadline: Deadline()).ResponseAsync);
        Report("disk detached (guest released it)", detachTime);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await LiveXmlAsync(name), Does.Not.Contain(dataDisk));
            Assert.That(await Virsh("dumpxml", "--inactive", name), Does.Not.Contain(dataDisk));
        });

        // NIC: the same, on the configured bridge.
        var mac = NewMac();
        var nic = await Domains.AttachNicAsync(new AttachNicRequest { OperationId = NewOperationId(), Domain = name, Nic = new Nic { Mac = mac } }, deadline: Deadline());
        Assert.That(nic.Nic.Bridge, Is.EqualTo(Bridge));
        Assert.That(await LiveXmlAsync(name), Does.Contain(mac));
        await Task.Delay(TimeSpan.FromSeconds(3)); // the guest's virtio-net driver binds the new device
        Report("NIC detached", await TimeAsync(() => Domains.DetachNicAsync(new DetachNicRequest { OperationId = NewOperationId(), Domain = name, Mac = mac }, deadline: Deadline()).ResponseAsync));
        Assert.That(await LiveXmlAsync(name), Does.Not.Contain(mac).And.Contain(bootMac));

        // ACPI shutdown: the guest powers itself off within the call.
        var shutdownTime = await TimeAsync(async () =>
        {
            var off = await Domains.ShutdownDomainAsync(new ShutdownDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline(90));
            Assert.That(off.State, Is.EqualTo(DomainState.ShutOff));
        });
        Report("ACPI shutdown to shut off", shutdownTime);
        Assert.That(await DomainStateAsync(name), Is.EqualTo("shut off"));
        var all = await Domains.ListDomainsAsync(new ListDomainsRequest(), deadline: Deadline());
        Assert.That(all.Domains.Single(d => d.Name == name).State, Is.EqualTo(DomainState.ShutOff));

        var first = await Domains.UndefineDomainAsync(new UndefineDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline());
        var second = await Domains.UndefineDomainAsync(new UndefineDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline());
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(first.Existed, Is.True);
            Assert.That(second.Existed, Is.False);
            Assert.That(await DomainExistsAsync(name), Is.False);
        });

        await watching.CancelAsync();
        await watcher;
        var ours = events.Where(e => e.Domain == name).ToList();
        TestContext.Out.WriteLine("events: " + string.Join(", ", ours.Select(e => e.EventCase == DomainEvent.EventOneofCase.StateChanged ? e.StateChanged.ToString() : "removed " + e.DeviceRemoved)));
        Assert.Multiple(() =>
        {
            Assert.That(ours.Where(e => e.EventCase == DomainEvent.EventOneofCase.StateChanged).Select(e => e.StateChanged),
                Does.Contain(DomainState.Running).And.Contain(DomainState.ShutOff));
            Assert.That(ours.Where(e => e.EventCase == DomainEvent.EventOneofCase.DeviceRemoved).Select(e => e.DeviceRemoved),
                Does.Contain("ua-disk-vdb"));
            Assert.That(ours, Has.All.Matches<DomainEvent>(e => e is not null && e.AtUnixNanos > 0));
        });
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await action();
        return clock.Elapsed;
    }
}

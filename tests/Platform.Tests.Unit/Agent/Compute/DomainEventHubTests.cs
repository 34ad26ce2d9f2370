using Microsoft.Extensions.Logging.Abstractions;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Tests.Unit.Agent.Compute;

public class DomainEventHubTests
{
    private static readonly Guid Domain = Guid.NewGuid();

    [Test]
    public async Task Subscription_sees_what_is_published_after_it_and_nothing_before()
    {
        var hub = new DomainEventHub(NullLogger.Instance);
        hub.Publish(new DomainDeviceRemovedEvent("d", Domain, "ua-before"));
        using var subscription = hub.Subscribe();
        hub.Publish(new DomainDeviceRemovedEvent("d", Domain, "ua-after"));

        var seen = await subscription.WaitForAsync<DomainDeviceRemovedEvent>(_ => true, TimeSpan.FromSeconds(1));

        Assert.That(seen?.DeviceAlias, Is.EqualTo("ua-after"));
    }

    [Test]
    public async Task Buffered_match_is_found_even_with_no_time_left_to_wait()
    {
        var hub = new DomainEventHub(NullLogger.Instance);
        using var subscription = hub.Subscribe();
        hub.Publish(new DomainLifecycleEvent("d", Domain, DomainLifecycleEventType.Started, 0));
        hub.Publish(new DomainDeviceRemovedEvent("d", Domain, "ua-x"));

        var seen = await subscription.WaitForAsync<DomainDeviceRemovedEvent>(e => e.DeviceAlias == "ua-x", TimeSpan.Zero);

        Assert.That(seen, Is.Not.Null);
    }

    [Test]
    public async Task Wait_without_a_match_ends_empty_at_its_timeout()
    {
        var hub = new DomainEventHub(NullLogger.Instance);
        using var subscription = hub.Subscribe();
        hub.Publish(new DomainDeviceRemovedEvent("d", Domain, "ua-other"));

        var seen = await subscription.WaitForAsync<DomainDeviceRemovedEvent>(e => e.DeviceAlias == "ua-x", TimeSpan.FromMilliseconds(50));

        Assert.That(seen, Is.Null);
    }

    [Test]
    public void Every_subscription_gets_every_event_and_streams_end_on_complete()
    {
        var hub = new DomainEventHub(NullLogger.Instance);
        using var first = hub.Subscribe();
        using var second = hub.Subscribe();

        hub.Publish(new DomainLifecycleEvent("d", Domain, DomainLifecycleEventType.Stopped, (int)DomainStoppedDetail.Destroyed));
        hub.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(first.Reader.TryRead(out var a) && a is DomainLifecycleEvent { DetailName: "Destroyed" }, Is.True);
            Assert.That(second.Reader.TryRead(out var b) && b is DomainLifecycleEvent, Is.True);
            Assert.That(first.Reader.Completion.IsCompleted, Is.True);
        });
    }

    [TestCase(DomainLifecycleEventType.Started, 0, "Booted")]
    [TestCase(DomainLifecycleEventType.Stopped, 0, "Shutdown")]
    [TestCase(DomainLifecycleEventType.Shutdown, 1, "Guest")]
    [TestCase(DomainLifecycleEventType.Resumed, 0, "Unpaused")]
    [TestCase(DomainLifecycleEventType.Defined, 99, "99")]
    public void Lifecycle_detail_reads_as_libvirts_name(object type, int detail, string name) =>
        Assert.That(new DomainLifecycleEvent("d", Domain, (DomainLifecycleEventType)type, detail).DetailName, Is.EqualTo(name));
}

using System.Net;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// Two hosts, each an agent with its own libvirtd: the scheduler places by free capacity, a
/// full platform refuses with 503, and a host whose heartbeats stop is marked down and gets no
/// new work until it comes back.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class TwoHostTests : ControllerTestBase
{
    // Each host offers cpus × 2 vCPUs.
    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Hosts:CpuOvercommit"] = "2" };

    [Test]
    public async Task Instances_are_placed_by_free_capacity_and_never_on_a_down_host()
    {
        var imageId = await BlankImageAsync();
        var hosts = (await Api.GetAsync("/api/v1/hosts/list")).Ok().GetProperty("items").EnumerateArray().ToList();
        var capacity = hosts.Single(h => h.GetProperty("host_id").GetString() == HostId).GetProperty("cpus").GetInt32() * 2;
        if (capacity is < 2 or > 64)
        {
            TestEnvironment.CannotRun($"the test fills a host with one instance of at most 64 vCPUs; this host offers {capacity}");
        }

        // A fills the first host while it is the only one.
        var a = await CreateAsync(imageId, capacity);
        Assert.That(a.HostId, Is.EqualTo(HostId));

        await using var second = await SecondHost.StartAsync();
        var secondId = "host-" + Guid.NewGuid().ToString("N")[..8];
        var agent = await StartHostAgentAsync(secondId, second.LibvirtUri, second.Bridge, second.WorkDirectory);
        await using var agentLease = agent;
        await Eventually.HoldsAsync(async () => await HostStatusAsync(secondId) == "up", TimeSpan.FromSeconds(30), "second host registered");

        // B can only go to the second host; its domain is in that host's libvirtd and not the first's.
        var b = await CreateAsync(imageId, capacity / 2);
        Assert.That(b.HostId, Is.EqualTo(secondId));
        Assert.That(await second.Virsh("domstate", b.InstanceId), Does.Contain("running"));
        Assert.That(await DomainExistsAsync(b.InstanceId), Is.False);

        // The second host goes silent: marked down, and its free half gets no new work.
        await agent.KillAsync();
        await Eventually.HoldsAsync(async () => await HostStatusAsync(secondId) == "down", TimeSpan.FromSeconds(30), "silent host marked down");
        var before = await InventorySnapshotAsync();
        var refused = await Api.PostAsync("/api/v1/instance/create", new { instance_name = Unique("nowhere"), image_id = imageId, cpu = capacity / 2, memory = 64 });
        Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.ServiceUnavailable, 50301)), refused.ToString());
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));

        // Back up: the free half is used again.
        var restarted = await StartHostAgentAsync(secondId, second.LibvirtUri, second.Bridge, second.WorkDirectory);
        await using var restartedLease = restarted;
        await Eventually.HoldsAsync(async () => await HostStatusAsync(secondId) == "up", TimeSpan.FromSeconds(30), "second host up again");
        var c = await CreateAsync(imageId, capacity / 2);
        Assert.That(c.HostId, Is.EqualTo(secondId));

        // Destroying through the API clears both hosts.
        foreach (var instance in new[] { a, b, c })
        {
            var destroy = (await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instance.InstanceId })).Ok();
            var done = await WaitForTaskAsync(instance.InstanceId, destroy.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
            Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("succeeded"), done.ToString());
        }
        Assert.That(await second.Virsh("list", "--all", "--name"), Does.Not.Contain(b.InstanceId).And.Not.Contain(c.InstanceId));
    }

    private async Task<(string InstanceId, string HostId)> CreateAsync(string imageId, int cpu)
    {
        var created = (await Api.PostAsync("/api/v1/instance/create", new { instance_name = Unique("placed"), image_id = imageId, cpu, memory = 64 })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        var done = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("succeeded"), done.ToString());
        return (instanceId, created.GetProperty("host_id").GetString()!);
    }
}

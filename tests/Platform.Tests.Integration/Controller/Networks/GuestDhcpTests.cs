using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Networks;

/// <summary>
/// A NIC's address is real: the tiny guest's DHCP client (busybox udhcpc) gets exactly the IP
/// and MAC that /api/v1/network/list shows, at boot and after a hot-plug, from the bridge's
/// libvirt network; detach and destroy take the reservations out of the network again. The
/// guest prints each lease on its serial console (PLATFORM-GUEST-IP nic ip mac); the network
/// and its lease table are read with virsh, independently of the agent. An address freed by a
/// destroy goes to the next NIC at once, and that NIC's guest gets it although the first
/// guest's lease had not expired.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GuestDhcpTests : ControllerTestBase
{
    [Test]
    public async Task The_guest_leases_the_address_the_api_shows_at_boot_and_after_hot_plug()
    {
        var imageId = await ImportGuestImageAsync();
        (await Api.PostAsync("/api/v1/images/register", new { image_id = imageId, image_name = Unique("dhcp"), os_type = "Linux" })).Ok();
        var instanceId = await CreateInstanceAsync(imageId);
        var started = Stopwatch.StartNew();

        // At boot: the reservation is in the running network and its persistent config, and the guest leases it.
        var first = await NicOfAsync(instanceId);
        Assert.That(await ReservationsAsync(inactive: false), Does.Contain((first.Mac, first.Ip)));
        Assert.That(await ReservationsAsync(inactive: true), Does.Contain((first.Mac, first.Ip)));
        var lease = await LeaseOfAsync(instanceId, first.Mac, BootTimeout);
        TestContext.Out.WriteLine($"boot lease {lease.Ip} for {first.Mac} {started.Elapsed.TotalSeconds:0.0} s after the create task ended");
        Assert.That(lease.Ip, Is.EqualTo(first.Ip), "the guest got the address the API shows");
        Assert.That(await LeasesAsync(), Does.Contain((first.Mac, first.Ip)), "libvirt's lease table has it");

        // Hot-plug while running: reserved before the guest sees the NIC, leased by it.
        var second = (await Api.PostAsync("/api/v1/network/create", new { network_interface_name = Unique("hot") })).Ok();
        var secondId = second.GetProperty("network_interface_id").GetString()!;
        (await Api.PostAsync("/api/v1/network/attach", new { network_interface_id = secondId, instance_id = instanceId })).Ok();
        var hot = (await NicsOfAsync(instanceId)).Single(n => n.Id == secondId);
        Assert.That(await ReservationsAsync(inactive: false), Does.Contain((hot.Mac, hot.Ip)));
        started.Restart();
        var hotLease = await LeaseOfAsync(instanceId, hot.Mac, TimeSpan.FromSeconds(90));
        TestContext.Out.WriteLine($"hot-plug lease {hotLease.Ip} for {hot.Mac} on {hotLease.Nic} {started.Elapsed.TotalSeconds:0.0} s after the attach answered");
        Assert.That(hotLease.Ip, Is.EqualTo(hot.Ip));

        // Detach: the guest releases the device, the reservation leaves both scopes; the first stays.
        (await Api.PostAsync("/api/v1/network/detach", new { network_interface_id = secondId, instance_id = instanceId })).Ok();
        Assert.That(await ReservationsAsync(inactive: false), Does.Not.Contain((hot.Mac, hot.Ip)).And.Contain((first.Mac, first.Ip)));
        Assert.That(await ReservationsAsync(inactive: true), Does.Not.Contain((hot.Mac, hot.Ip)));
        Assert.That((await LeasesAsync()).Select(l => l.Mac), Has.None.EqualTo(hot.Mac), "its lease ended with it");
        (await Api.PostAsync("/api/v1/network/delete", new { network_interface_id = secondId })).Ok();

        // Destroy: the instance's reservation and lease go with it.
        await DestroyAsync(instanceId);
        var left = (await ReservationsAsync(inactive: false)).Concat(await ReservationsAsync(inactive: true)).ToList();
        Assert.That(left.Select(r => r.Mac), Has.None.EqualTo(first.Mac));
        Assert.That((await LeasesAsync()).Select(l => l.Mac), Has.None.EqualTo(first.Mac));

        // The freed address is the next NIC's, with another MAC; its guest gets it at once.
        var next = await CreateInstanceAsync(imageId);
        var reused = await NicOfAsync(next);
        Assert.That(reused.Ip, Is.EqualTo(first.Ip), "the lowest free address again");
        Assert.That(reused.Mac, Is.Not.EqualTo(first.Mac));
        Assert.That((await LeaseOfAsync(next, reused.Mac, BootTimeout)).Ip, Is.EqualTo(first.Ip));
        await DestroyAsync(next);
    }

    private async Task<string> CreateInstanceAsync(string imageId)
    {
        var created = (await Api.PostAsync("/api/v1/instance/create", new
        {
            instance_name = Unique("dhcp"),
            image_id = imageId,
            cpu = 1,
            memory = 128,
            nics = new[] { new { network_interface_name = "eth0" } },
        })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        var progress = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, BootTimeout);
        Assert.That(progress.GetProperty("state").GetString(), Is.EqualTo("succeeded"), progress.ToString());
        return instanceId;
    }

    private async Task DestroyAsync(string instanceId)
    {
        var destroy = (await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId })).Ok();
        var progress = await WaitForTaskAsync(instanceId, destroy.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(progress.GetProperty("state").GetString(), Is.EqualTo("succeeded"), progress.ToString());
    }

    /// <summary>libvirt's lease table of the bridge's network (virsh net-dhcp-leases).</summary>
    private async Task<List<(string Mac, string Ip)>> LeasesAsync()
    {
        var rows = (await Virsh("net-dhcp-leases", Bridge)).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        // Expiry date, time, MAC, protocol, address/prefix, ...: rows below the header and the dashes.
        return [.. rows.Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 5 && f[3] == "ipv4")
            .Select(f => (f[2].ToLowerInvariant(), f[4].Split('/')[0]))];
    }

    private sealed record ApiNic(string Id, string Mac, string Ip);

    private async Task<ApiNic> NicOfAsync(string instanceId) => (await NicsOfAsync(instanceId)).Single();

    /// <summary>The instance's NICs as /api/v1/network/list shows them.</summary>
    private async Task<List<ApiNic>> NicsOfAsync(string instanceId)
    {
        var page = (await Api.GetAsync("/api/v1/network/list", ("page_size", "1000"))).Ok();
        return [.. page.GetProperty("items").EnumerateArray()
            .Where(n => n.GetProperty("instance_id").ValueKind == JsonValueKind.String && n.GetProperty("instance_id").GetString() == instanceId)
            .Select(n => new ApiNic(n.GetProperty("network_interface_id").GetString()!, n.GetProperty("mac").GetString()!, n.GetProperty("ip").GetString()!))];
    }

    /// <summary>The reservations of the bridge's libvirt network (named like the bridge), live or persistent.</summary>
    private async Task<List<(string Mac, string Ip)>> ReservationsAsync(bool inactive)
    {
        var xml = XElement.Parse(inactive ? await Virsh("net-dumpxml", "--inactive", Bridge) : await Virsh("net-dumpxml", Bridge));
        return [.. xml.Elements("ip").Elements("dhcp").Elements("host")
            .Select(h => (((string?)h.Attribute("mac"))!.ToLowerInvariant(), ((string?)h.Attribute("ip"))!))];
    }
}

using System.Net;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Seed;

/// <summary>
/// The seed-000 flow end to end, through REST only, on the default path (the agent's domain type
/// chosen by its start-up probe, as `up` does): a bootable image imported into pool images behind
/// the platform's back, found among the unregistered, registered; an instance with a data volume
/// and a NIC whose guest leases the address the API shows; turn off (ACPI) and on; a volume
/// mounted and unmounted and a NIC attached and detached while it runs; destroy, which takes its
/// volumes and NICs with it.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SeedFlowTests : ControllerTestBase
{
    [Test]
    public async Task The_seed_000_flow_runs_through_rest_on_the_default_path()
    {
        var imageId = await ImportGuestImageAsync();
        var unregistered = (await Api.GetAsync("/api/v1/unregister_images/list", ("page_size", "1000"))).Ok();
        Assert.That(unregistered.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("image_id").GetString()), Does.Contain(imageId));
        (await Api.PostAsync("/api/v1/images/register", new { image_id = imageId, image_name = Unique("seed"), os_type = "Linux", describe = "the tiny guest" })).Ok();

        var hostType = (await Api.GetAsync("/api/v1/hosts/list")).Ok().GetProperty("items").EnumerateArray()
            .Single(h => h.GetProperty("host_id").GetString() == HostId).GetProperty("domain_type").GetString();
        Assert.That(hostType, Is.AnyOf("kvm", "qemu"), "the host says which domain type its probe chose");

        var created = (await Api.PostAsync("/api/v1/instance/create", new
        {
            instance_name = Unique("seed-vm"),
            image_id = imageId,
            cpu = 1,
            memory = 128,
            data_volumes = new[] { new { volume_name = Unique("data"), volume_size = 1 } },
            nics = new[] { new { network_interface_name = Unique("eth0") } },
        })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        Assert.That((await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, BootTimeout)).GetProperty("state").GetString(), Is.EqualTo("succeeded"));
        Assert.That(await DomainTypeAsync(instanceId), Is.EqualTo(hostType), "the instance runs with the host's domain type");

        var detail = await DetailAsync(instanceId);
        var nic = detail.GetProperty("nics").EnumerateArray().Single();
        var (mac, ip) = (nic.GetProperty("mac").GetString()!, nic.GetProperty("ip").GetString()!);
        Assert.That((await LeaseOfAsync(instanceId, mac, BootTimeout)).Ip, Is.EqualTo(ip), "the guest has the address the API shows");
        Assert.That(detail.GetProperty("volumes").GetArrayLength(), Is.EqualTo(2), "boot and data volume");

        // Turn off through the ACPI power button (the guest cooperates), then on again.
        (await Api.PostAsync("/api/v1/instance/turnoff", new { instance_id = instanceId })).Ok();
        Assert.That((await DetailAsync(instanceId)).GetProperty("instance").GetProperty("status").GetString(), Is.EqualTo("stopped"));
        Assert.That(await DomainStateAsync(instanceId), Is.EqualTo("shut off"));
        // The console log of the first boot goes, so that what follows is the second boot's.
        File.Delete(SerialLogOf(instanceId));
        (await Api.PostAsync("/api/v1/instance/turnon", new { instance_id = instanceId })).Ok();
        Assert.That((await DetailAsync(instanceId)).GetProperty("instance").GetProperty("status").GetString(), Is.EqualTo("running"));
        Assert.That((await LeaseOfAsync(instanceId, mac, BootTimeout)).Ip, Is.EqualTo(ip), "the guest booted again and has its address again");

        // A volume mounted and unmounted while it runs.
        var volumeId = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("hot"), volume_size = 1 })).Ok().GetProperty("volume_id").GetString()!;
        (await Api.PostAsync("/api/v1/volume/mount", new { volume_id = volumeId, instance_id = instanceId })).Ok();
        Assert.That(await Virsh("dumpxml", instanceId), Does.Contain($"volumes/{volumeId}"));
        (await Api.PostAsync("/api/v1/volume/unmount", new { volume_id = volumeId, instance_id = instanceId })).Ok();
        Assert.That(await Virsh("dumpxml", instanceId), Does.Not.Contain($"volumes/{volumeId}"), "the guest released it");
        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId })).Ok();

        // A NIC attached (its guest leases its address at once) and detached while it runs.
        var hot = (await Api.PostAsync("/api/v1/network/create", new { network_interface_name = Unique("eth1") })).Ok();
        var hotId = hot.GetProperty("network_interface_id").GetString()!;
        (await Api.PostAsync("/api/v1/network/attach", new { network_interface_id = hotId, instance_id = instanceId })).Ok();
        Assert.That((await LeaseOfAsync(instanceId, hot.GetProperty("mac").GetString()!, TimeSpan.FromSeconds(90))).Ip, Is.EqualTo(hot.GetProperty("ip").GetString()));
        (await Api.PostAsync("/api/v1/network/detach", new { network_interface_id = hotId, instance_id = instanceId })).Ok();
        Assert.That(await Virsh("dumpxml", instanceId), Does.Not.Contain(hot.GetProperty("mac").GetString()!));
        (await Api.PostAsync("/api/v1/network/delete", new { network_interface_id = hotId })).Ok();

        // Destroy (the seed's spelling): domain, volumes and NICs gone everywhere.
        var volumes = detail.GetProperty("volumes").EnumerateArray().Select(v => v.GetProperty("volume_id").GetString()!).ToList();
        var destroy = (await Api.PostAsync("/api/v1/instance/destory", new { instance_id = instanceId })).Ok();
        Assert.That((await WaitForTaskAsync(instanceId, destroy.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120))).GetProperty("state").GetString(), Is.EqualTo("succeeded"));
        var gone = await Api.GetAsync("/api/v1/instance/detail", ("instance_id", instanceId));
        Assert.That((gone.Status, gone.Code), Is.EqualTo((HttpStatusCode.NotFound, 40404)));
        Assert.That(await DomainExistsAsync(instanceId), Is.False);
        foreach (var volume in volumes)
        {
            Assert.That(await RbdImageExistsAsync("volumes", volume), Is.False, $"{volume} removed");
        }
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM network_interfaces WHERE mac = @mac::macaddr", ("mac", mac)), Is.Zero, "its NIC deleted");
    }

    private async Task<JsonElement> DetailAsync(string instanceId) =>
        (await Api.GetAsync("/api/v1/instance/detail", ("instance_id", instanceId))).Ok();

    private async Task<string?> DomainTypeAsync(string instanceId) =>
        System.Xml.Linq.XElement.Parse(await Virsh("dumpxml", instanceId)).Attribute("type")?.Value;
}

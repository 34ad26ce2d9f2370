using System.Net;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// The console's whole journey through REST only — image registered from an rbd import,
/// instance with a data volume and a NIC booted, devices unplugged and plugged, power cycled,
/// destroyed — each step checked independently with SQL, virsh and rbd.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class InstanceLifecycleTests : ControllerTestBase
{
    [Test]
    public async Task An_instance_lives_and_dies_through_the_rest_facade_only()
    {
        // An image imported with rbd shows as unregistered, then is registered with its RBD size.
        var imageId = await ImportGuestImageAsync();
        var unregistered = (await Api.GetAsync("/api/v1/unregister_images/list", ("page_size", "1000"))).Ok();
        Assert.That(unregistered.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("image_id").GetString()), Does.Contain(imageId));
        var image = (await Api.PostAsync("/api/v1/images/register", new { image_id = imageId, image_name = "tiny guest", os_type = "Linux", describe = "boots to a shell" })).Ok();
        var rbdSize = JsonDocument.Parse(await Rbd("info", "--format", "json", $"images/{imageId}")).RootElement.GetProperty("size").GetInt64();
        Assert.That(image.GetProperty("image_size").GetInt64(), Is.EqualTo(rbdSize));
        Assert.That(await ScalarAsync<string>("SELECT status FROM images WHERE image_id = @id", ("id", imageId)), Is.EqualTo("available"));

        // Create: returns at once with a task; progress runs to the end; the guest boots.
        var created = (await Api.PostAsync("/api/v1/instance/create", new
        {
            instance_name = Unique("web"),
            image_id = imageId,
            cpu = 1,
            memory = 128,
            data_volumes = new[] { new { volume_name = "data", volume_size = 1 } },
            nics = new[] { new { nic_name = "eth0" } },
            describe = "end to end",
        })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        Assert.That(created.GetProperty("status").GetString(), Is.EqualTo("creating"));
        var progress = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, BootTimeout);
        Assert.That(progress.GetProperty("state").GetString(), Is.EqualTo("succeeded"), progress.ToString());
        Assert.That(progress.GetProperty("percent").GetInt32(), Is.EqualTo(100));
        await SerialSaysAsync(SerialLogOf(instanceId), ReadyMarker, BootTimeout);

        var detail = (await Api.GetAsync("/api/v1/instance/detail", ("instance_id", instanceId))).Ok();
        var instance = detail.GetProperty("instance");
        Assert.That(instance.GetProperty("status").GetString(), Is.EqualTo("running"));
        Assert.That(instance.GetProperty("host_ip").GetString(), Is.EqualTo("127.0.0.1"));
        Assert.That(detail.GetProperty("image").GetProperty("image_id").GetString(), Is.EqualTo(imageId));
        var volumes = detail.GetProperty("volumes").EnumerateArray().ToList();
        var nics = detail.GetProperty("nics").EnumerateArray().ToList();
        Assert.That(volumes, Has.Count.EqualTo(2));
        Assert.That(nics, Has.Count.EqualTo(1));
        var bootVolume = volumes.Single(v => v.GetProperty("is_boot").GetBoolean()).GetProperty("volume_id").GetString()!;
        var dataVolume = volumes.Single(v => !v.GetProperty("is_boot").GetBoolean()).GetProperty("volume_id").GetString()!;
        var nicId = nics[0].GetProperty("network_interface_id").GetString()!;
        var mac = nics[0].GetProperty("mac").GetString()!;

        // Independently: libvirt runs it with both disks and the NIC; the boot volume is a clone of the image.
        Assert.That(await DomainStateAsync(instanceId), Is.EqualTo("running"));
        var xml = await Virsh("dumpxml", instanceId);
        Assert.That(xml, Does.Contain($"volumes/{bootVolume}").And.Contain($"volumes/{dataVolume}").And.Contain(mac));
        var boot = JsonDocument.Parse(await Rbd("info", "--format", "json", $"volumes/{bootVolume}")).RootElement;
        Assert.That(boot.GetProperty("parent").GetProperty("image").GetString(), Is.EqualTo(imageId));
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", dataVolume)), Is.EqualTo("in-use"));
        Assert.That(await ScalarAsync<string>("SELECT status FROM network_interfaces WHERE nic_id = @id", ("id", nicId)), Is.EqualTo("attached"));

        // The image cannot go while the instance depends on it.
        var refused = await Api.PostAsync("/api/v1/images/delete", new { image_id = imageId, del_file = true });
        Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.Conflict, 40901)), refused.ToString());

        // Unmount and mount the data volume: gone from and back in the live domain.
        (await Api.PostAsync("/api/v1/volume/unmount", new { volume_id = dataVolume, instance_id = instanceId })).Ok();
        Assert.That(await Virsh("dumpxml", instanceId), Does.Not.Contain($"volumes/{dataVolume}"));
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", dataVolume)), Is.EqualTo("available"));
        (await Api.PostAsync("/api/v1/volume/mount", new { volume_id = dataVolume, instance_id = instanceId })).Ok();
        Assert.That(await Virsh("dumpxml", instanceId), Does.Contain($"volumes/{dataVolume}"));

        // Detach and attach the NIC.
        (await Api.PostAsync("/api/v1/network/detach", new { nic_id = nicId, instance_id = instanceId })).Ok();
        Assert.That(await Virsh("dumpxml", instanceId), Does.Not.Contain(mac));
        (await Api.PostAsync("/api/v1/network/attach", new { nic_id = nicId, instance_id = instanceId })).Ok();
        Assert.That(await Virsh("dumpxml", instanceId), Does.Contain(mac));

        // ACPI shutdown, then on again.
        var off = (await Api.PostAsync("/api/v1/instance/turnoff", new { instance_id = instanceId })).Ok();
        Assert.That(off.GetProperty("status").GetString(), Is.EqualTo("stopped"), off.ToString());
        Assert.That(await DomainStateAsync(instanceId), Is.EqualTo("shut off"));
        var on = (await Api.PostAsync("/api/v1/instance/turnon", new { instance_id = instanceId })).Ok();
        Assert.That(on.GetProperty("status").GetString(), Is.EqualTo("running"), on.ToString());
        Assert.That(await DomainStateAsync(instanceId), Is.EqualTo("running"));

        // Destroy (the seed's spelling): domain, volumes and NICs gone everywhere.
        var destroy = (await Api.PostAsync("/api/v1/instance/destory", new { instance_id = instanceId })).Ok();
        progress = await WaitForTaskAsync(instanceId, destroy.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(progress.GetProperty("state").GetString(), Is.EqualTo("succeeded"), progress.ToString());
        var gone = await Api.GetAsync("/api/v1/instance/detail", ("instance_id", instanceId));
        Assert.That((gone.Status, gone.Code), Is.EqualTo((HttpStatusCode.NotFound, 40404)), gone.ToString());
        Assert.That(await DomainExistsAsync(instanceId), Is.False);
        Assert.That(await RbdImageExistsAsync("volumes", bootVolume), Is.False);
        Assert.That(await RbdImageExistsAsync("volumes", dataVolume), Is.False);
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM volumes WHERE volume_id IN (@a, @b)", ("a", bootVolume), ("b", dataVolume)), Is.Zero);
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM network_interfaces WHERE nic_id = @id", ("id", nicId)), Is.Zero);

        // Now the image can go, RBD image included.
        (await Api.PostAsync("/api/v1/images/delete", new { image_id = imageId, del_file = true })).Ok();
        Assert.That(await RbdImageExistsAsync("images", imageId), Is.False);
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM images WHERE image_id = @id", ("id", imageId)), Is.Zero);
    }

    [Test]
    public async Task An_empty_image_is_created_in_rbd_and_recorded()
    {
        var image = (await Api.PostFormAsync("/api/v1/images/create", ("image_name", "blank 测试"), ("image_size", (64L << 20).ToString()), ("os_type", "windows"))).Ok();
        var imageId = image.GetProperty("image_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("images", imageId));
        Assert.That(image.GetProperty("os_type").GetString(), Is.EqualTo("Windows"));
        Assert.That(image.GetProperty("status").GetString(), Is.EqualTo("available"));
        var rbd = JsonDocument.Parse(await Rbd("info", "--format", "json", $"images/{imageId}")).RootElement;
        Assert.That(rbd.GetProperty("size").GetInt64(), Is.EqualTo(64L << 20));

        var page = (await Api.GetAsync("/api/v1/images/list", ("filter_name", "测试"))).Ok();
        Assert.That(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("image_id").GetString()), Does.Contain(imageId));
        var updated = (await Api.PostAsync("/api/v1/images/update", new { image_id = imageId, describe = "renamed", image_name = "blank two" })).Ok();
        Assert.That(updated.GetProperty("image_name").GetString(), Is.EqualTo("blank two"));

        (await Api.PostAsync("/api/v1/images/delete", new { image_id = imageId, del_file = false })).Ok();
        Assert.That(await RbdImageExistsAsync("images", imageId), Is.True, "without del_file the RBD image stays");
        var unregistered = (await Api.GetAsync("/api/v1/unregister_images/list", ("page_size", "1000"))).Ok();
        Assert.That(unregistered.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("image_id").GetString()), Does.Contain(imageId));
    }
}

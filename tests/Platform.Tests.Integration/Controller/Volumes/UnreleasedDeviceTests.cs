using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Volumes;

/// <summary>
/// A guest without an OS never releases a hot-plugged device: unmount and NIC detach must then
/// answer 409 DeviceStillAttached and keep the volume in-use / the NIC attached (libvirt still
/// has them), with the reason recorded, rather than claim a detach that did not happen.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class UnreleasedDeviceTests : ControllerTestBase
{
    [Test]
    public async Task A_device_the_guest_keeps_stays_recorded_as_attached()
    {
        // A blank boot disk: the firmware finds nothing to boot and ignores unplug requests.
        var image = (await Api.PostAsync("/api/v1/images/create", new { image_name = "no os", image_size = 64L << 20, os_type = "Linux" })).Ok();
        var imageId = image.GetProperty("image_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("images", imageId));
        var created = (await Api.PostAsync("/api/v1/instance/create", new { instance_name = Unique("noos"), image_id = imageId, cpu = 1, memory = 128 })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyAsync(instanceId));
        var progress = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, BootTimeout);
        Assert.That(progress.GetProperty("state").GetString(), Is.EqualTo("succeeded"), progress.ToString());
        Assert.That(await DomainStateAsync(instanceId), Is.EqualTo("running"));

        var volume = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = "kept", volume_size = 1 })).Ok();
        var volumeId = volume.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        // Clean-up runs last-in first-out: the domain must let go of the volume before rbd can remove it.
        OnCleanUp(() => DestroyAsync(instanceId));
        (await Api.PostAsync("/api/v1/volume/mount", new { volume_id = volumeId, instance_id = instanceId })).Ok();
        Assert.That(await Virsh("dumpxml", instanceId), Does.Contain($"volumes/{volumeId}"));

        var unmount = await Api.PostAsync("/api/v1/volume/unmount", new { volume_id = volumeId, instance_id = instanceId });
        Assert.That((unmount.Status, unmount.Code), Is.EqualTo((HttpStatusCode.Conflict, 40908)), unmount.ToString());
        Assert.That(await Virsh("dumpxml", instanceId), Does.Contain($"volumes/{volumeId}"), "libvirt still has the disk");
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @v", ("v", volumeId)), Is.EqualTo("in-use"));
        Assert.That(await ScalarAsync<string>("SELECT instance_id FROM volumes WHERE volume_id = @v", ("v", volumeId)), Is.EqualTo(instanceId));
        // The kind is the task's error_code; the message is the plain sentence, where the request read it.
        var volumeError = await ScalarAsync<string>("SELECT error FROM volumes WHERE volume_id = @v", ("v", volumeId));
        Assert.That(unmount.Message, Does.EndWith(volumeError!));
        Assert.That(volumeError, Does.Not.StartWith("device still attached:"));
        var unmountTask = (await Api.GetAsync("/api/v1/tasks/list", ("resource_id", volumeId), ("state", "failed"))).Ok().GetProperty("items")[0];
        Assert.That((unmountTask.GetProperty("error_code").GetInt32(), unmountTask.GetProperty("error").GetString()), Is.EqualTo((40908, volumeError)));
        Assert.That(await ScalarAsync<string>("SELECT error_code FROM tasks WHERE task_id = @t", ("t", unmountTask.GetProperty("task_id").GetString()!)),
            Is.EqualTo("device_still_attached"));
        var unmountAudit = (await Api.GetAsync("/api/v1/audit/list", ("resource_id", volumeId), ("action", "volume.unmount"))).Ok().GetProperty("items");
        Assert.That(unmountAudit.EnumerateArray().Select(e => e.GetProperty("outcome").GetString()), Is.EqualTo(new[] { "failed", "accepted" }));
        Assert.That(unmountAudit[0].GetProperty("error_code").GetInt32(), Is.EqualTo(40908));
        var delete = await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId });
        Assert.That((delete.Status, delete.Code), Is.EqualTo((HttpStatusCode.Conflict, 40902)), delete.ToString());

        var nic = (await Api.PostAsync("/api/v1/network/create", new { nic_name = "kept nic" })).Ok();
        var nicId = nic.GetProperty("network_interface_id").GetString()!;
        (await Api.PostAsync("/api/v1/network/attach", new { nic_id = nicId, instance_id = instanceId })).Ok();
        var detach = await Api.PostAsync("/api/v1/network/detach", new { nic_id = nicId, instance_id = instanceId });
        Assert.That((detach.Status, detach.Code), Is.EqualTo((HttpStatusCode.Conflict, 40908)), detach.ToString());
        Assert.That(await Virsh("dumpxml", instanceId), Does.Contain(nic.GetProperty("mac").GetString()!));
        Assert.That(await ScalarAsync<string>("SELECT status FROM network_interfaces WHERE nic_id = @n", ("n", nicId)), Is.EqualTo("attached"));
        Assert.That(await ScalarAsync<string>("SELECT error_code FROM audit_events WHERE resource_id = @n AND action = 'network.detach' AND outcome = 'failed'", ("n", nicId)),
            Is.EqualTo("device_still_attached"));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM resource_locks"), Is.Zero);
    }

    private async Task DestroyAsync(string instanceId)
    {
        var destroy = await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId });
        if (destroy.Code == 0)
        {
            await WaitForTaskAsync(instanceId, destroy.Data.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        }
        if (await DomainExistsAsync(instanceId))
        {
            await ChildProcess.RunAsync("virsh", ["-c", LibvirtUri, "destroy", instanceId], TimeSpan.FromSeconds(30));
            await ChildProcess.RunAsync("virsh", ["-c", LibvirtUri, "undefine", instanceId], TimeSpan.FromSeconds(30));
        }
    }
}

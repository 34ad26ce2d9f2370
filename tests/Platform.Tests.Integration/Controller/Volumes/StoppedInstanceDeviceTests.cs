using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Volumes;

/// <summary>
/// Devices of a shut-off instance: the agent changes only the persistent definition, so mount
/// and attach must work there and show up in the inactive XML (what the next boot gets), and
/// unmount/detach must remove them from it. Checked with virsh, SQL and the REST answers.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class StoppedInstanceDeviceTests : ControllerTestBase
{
    [Test]
    public async Task Volumes_and_nics_plug_into_a_stopped_instance_definition()
    {
        var imageId = await ImportGuestImageAsync();
        (await Api.PostAsync("/api/v1/images/register", new { image_id = imageId, image_name = "guest", os_type = "Linux" })).Ok();
        var created = (await Api.PostAsync("/api/v1/instance/create", new { instance_name = Unique("cold"), image_id = imageId, cpu = 1, memory = 128 })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyAsync(instanceId));
        var progress = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, BootTimeout);
        Assert.That(progress.GetProperty("state").GetString(), Is.EqualTo("succeeded"), progress.ToString());
        var off = (await Api.PostAsync("/api/v1/instance/turnoff", new { instance_id = instanceId, force = true })).Ok();
        Assert.That(off.GetProperty("status").GetString(), Is.EqualTo("stopped"), off.ToString());
        Assert.That(await DomainStateAsync(instanceId), Is.EqualTo("shut off"));

        // Two volumes take the lowest free devices after the boot disk.
        var first = await CreateVolumeAsync();
        var second = await CreateVolumeAsync();
        var mounted = (await Api.PostAsync("/api/v1/volume/mount", new { volume_id = first, instance_id = instanceId })).Ok();
        Assert.That((mounted.GetProperty("status").GetString(), mounted.GetProperty("device").GetString()), Is.EqualTo(("in-use", "vdb")), mounted.ToString());
        Assert.That(mounted.GetProperty("task_id").GetString(), Does.StartWith("task-"));
        var mountedSecond = (await Api.PostAsync("/api/v1/volume/mount", new { volume_id = second, instance_id = instanceId })).Ok();
        Assert.That(mountedSecond.GetProperty("device").GetString(), Is.EqualTo("vdc"), mountedSecond.ToString());
        var inactive = await Virsh("dumpxml", "--inactive", instanceId);
        Assert.That(inactive, Does.Contain($"volumes/{first}").And.Contain($"volumes/{second}"));

        // Attached volumes are not deleted.
        var refused = await Api.PostFormAsync("/api/v1/volume/delete", ("volume_id", first));
        Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.Conflict, 40902)), refused.ToString());

        // Unmount frees the device; the next mount reuses it.
        var unmounted = (await Api.PostAsync("/api/v1/volume/unmount", new { volume_id = first, instance_id = instanceId })).Ok();
        Assert.That(unmounted.GetProperty("status").GetString(), Is.EqualTo("available"), unmounted.ToString());
        Assert.That(unmounted.GetProperty("instance_id").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
        Assert.That(await Virsh("dumpxml", "--inactive", instanceId), Does.Not.Contain($"volumes/{first}").And.Contain($"volumes/{second}"));
        (await Api.PostAsync("/api/v1/volume/unmount", new { volume_id = second, instance_id = instanceId })).Ok();
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM volumes WHERE instance_id = @i AND NOT is_boot", ("i", instanceId)), Is.Zero);

        // A NIC, likewise.
        var nic = (await Api.PostAsync("/api/v1/network/create", new { nic_name = "cold nic" })).Ok();
        var nicId = nic.GetProperty("network_interface_id").GetString()!;
        var mac = nic.GetProperty("mac").GetString()!;
        var attached = (await Api.PostAsync("/api/v1/network/attach", new { nic_id = nicId, instance_id = instanceId })).Ok();
        Assert.That(attached.GetProperty("status").GetString(), Is.EqualTo("attached"), attached.ToString());
        Assert.That(attached.GetProperty("attach_time").GetInt64(), Is.GreaterThan(0));
        Assert.That(await Virsh("dumpxml", "--inactive", instanceId), Does.Contain(mac));
        var inUse = await Api.PostAsync("/api/v1/network/delete", new { nic_id = nicId });
        Assert.That((inUse.Status, inUse.Code), Is.EqualTo((HttpStatusCode.Conflict, 40903)), inUse.ToString());
        var detached = (await Api.PostAsync("/api/v1/network/detach", new { nic_id = nicId, instance_id = instanceId })).Ok();
        Assert.That(detached.GetProperty("status").GetString(), Is.EqualTo("idle"), detached.ToString());
        Assert.That(await Virsh("dumpxml", "--inactive", instanceId), Does.Not.Contain(mac));
        (await Api.PostAsync("/api/v1/network/delete", new { nic_id = nicId })).Ok();
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM resource_locks"), Is.Zero);
    }

    private async Task<string> CreateVolumeAsync()
    {
        var volume = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("cold"), volume_size = 1 })).Ok();
        var volumeId = volume.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        return volumeId;
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

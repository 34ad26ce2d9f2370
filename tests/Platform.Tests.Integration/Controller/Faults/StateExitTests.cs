namespace Platform.Tests.Integration.Controller.Faults;

/// <summary>
/// Every state a resource can be left in has a way out through the REST API. The error states
/// are set the way failures leave them (the fault suite makes them for real at random; here
/// each one is made on purpose, so that none goes untried): a volume or NIC in error on an
/// instance (an operation whose agent died, an undo that failed), unbound or without its RBD
/// image, an image and an instance in error. Transitional states end with their task, which a
/// replica resumes when its owner dies (the fault suite shows it).
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("Faults")]
public sealed class StateExitTests : FaultTestBase
{
    // The states are set behind the controller's back: reconciliation would rightly act on some of them first.
    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Reconciliation:Interval"] = "01:00:00" };

    [Test]
    public async Task Every_error_state_has_a_way_out_through_the_api()
    {
        var baseline = await TakeBaselineAsync();
        var imageId = await BlankImageAsync();
        var instanceId = await StoppedInstanceAsync(imageId);

        // A volume in error on the instance, its disk in the domain's definition: unmount, then it is available.
        var volumeId = await CreateVolumeAsync();
        (await Api.PostAsync("/api/v1/volume/mount", new { volume_id = volumeId, instance_id = instanceId })).Ok();
        await SetErrorAsync("volumes", "volume_id", volumeId);
        (await Api.PostAsync("/api/v1/volume/unmount", new { volume_id = volumeId, instance_id = instanceId })).Ok();
        Assert.That(await VolumeStatusAsync(volumeId), Is.EqualTo("available"));
        Assert.That(await Virsh("dumpxml", "--inactive", instanceId), Does.Not.Contain($"volumes/{volumeId}"));

        // A volume in error on its own: delete.
        await SetErrorAsync("volumes", "volume_id", volumeId);
        await DeleteVolumeThroughApiAsync(volumeId);

        // A volume in error whose RBD image was never made (or is gone): delete.
        var imageless = await CreateVolumeAsync();
        await RemoveRbdImageAsync("volumes", imageless);
        await SetErrorAsync("volumes", "volume_id", imageless);
        await DeleteVolumeThroughApiAsync(imageless);

        // A NIC in error on the instance (an attach whose undo failed): detach, then it is idle, then delete.
        var nicId = (await Api.PostAsync("/api/v1/network/create", new { network_interface_name = Unique("sx") })).Ok().GetProperty("network_interface_id").GetString()!;
        (await Api.PostAsync("/api/v1/network/attach", new { network_interface_id = nicId, instance_id = instanceId })).Ok();
        await SetErrorAsync("network_interfaces", "nic_id", nicId);
        (await Api.PostAsync("/api/v1/network/detach", new { network_interface_id = nicId, instance_id = instanceId })).Ok();
        Assert.That(await NicStatusAsync(nicId), Is.EqualTo("idle"));
        (await Api.PostAsync("/api/v1/network/delete", new { network_interface_id = nicId })).Ok();

        // An instance in error (whatever its domain is doing): destroy.
        await SetErrorAsync("instances", "instance_id", instanceId);
        await DestroyThroughApiAsync(instanceId);

        // An image in error: delete.
        await SetErrorAsync("images", "image_id", imageId);
        await DeleteImageThroughApiAsync(imageId);

        await AssertConsistentAsync(baseline);
        await AssertNothingLeftAsync(baseline);
    }

    private async Task<string> StoppedInstanceAsync(string imageId)
    {
        var created = (await Api.PostAsync("/api/v1/instance/create", new { instance_name = Unique("sx"), image_id = imageId, cpu = 1, memory = 64 })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        var done = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, Settled);
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("succeeded"), done.ToString());
        (await Api.PostAsync("/api/v1/instance/turnoff", new { instance_id = instanceId, force = true })).Ok();
        Assert.That(await InstanceStatusAsync(instanceId), Is.EqualTo("stopped"));
        return instanceId;
    }

    private async Task<string> CreateVolumeAsync()
    {
        var volumeId = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("sx"), volume_size = 1 })).Ok().GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        return volumeId;
    }

    /// <summary>What a failed operation leaves: the status error with its reason, the rest (binding, device) as it was.</summary>
    private Task SetErrorAsync(string table, string key, string id) =>
        ExecuteAsync($"UPDATE {table} SET status = 'error', error = 'left by a failed operation' WHERE {key} = @id", ("id", id));
}

using System.Net;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// The inventory tells the truth about a guest: a paused one is paused (with libvirt's reason,
/// never folded into running) and every call that needs the guest to act refuses at once; a
/// device lost in a power cycle after an unplug the guest never completed is noticed and freed.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GuestStateTests : ControllerTestBase
{
    private static readonly TimeSpan Noticed = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_paused_guest_shows_as_paused_with_its_reason_and_every_way_out_works()
    {
        var instanceId = await CreateAsync();
        await Virsh("suspend", instanceId);
        JsonElement instance = default;
        await Eventually.HoldsAsync(async () =>
        {
            instance = await InstanceAsync(instanceId);
            return instance.GetProperty("status").GetString() == "paused";
        }, Noticed, "the instance shows paused, as its host reports");
        Assert.That(instance.GetProperty("status_reason").GetString(), Is.EqualTo("paused on user request"));
        var listed = (await Api.GetAsync("/api/v1/instance/search", ("status", "paused"))).Ok().GetProperty("items").EnumerateArray();
        Assert.That(listed.Select(i => i.GetProperty("instance_id").GetString()), Does.Contain(instanceId), "searchable by the new status");

        var graceful = await Api.PostAsync("/api/v1/instance/turnoff", new { instance_id = instanceId });
        Assert.That((graceful.Status, graceful.Code), Is.EqualTo((HttpStatusCode.Conflict, 40904)), graceful.Body);
        Assert.That(graceful.Message, Does.Contain("paused on user request").And.Contain("power it off"), "refused at once with the reason, not after waiting for the guest");
        Assert.That((await InstanceAsync(instanceId)).GetProperty("status").GetString(), Is.EqualTo("paused"), "a refusal changes nothing");

        var volume = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("paused"), volume_size = 1 })).Ok().GetProperty("volume_id").GetString()!;
        var mount = await Api.PostAsync("/api/v1/volume/mount", new { volume_id = volume, instance_id = instanceId });
        Assert.That((mount.Status, mount.Code), Is.EqualTo((HttpStatusCode.Conflict, 40904)), mount.Body);

        var forced = await Api.PostAsync("/api/v1/instance/turnoff", new { instance_id = instanceId, force = true });
        Assert.That(forced.Code, Is.Zero, forced.Body);
        Assert.That((await InstanceAsync(instanceId)).GetProperty("status").GetString(), Is.EqualTo("stopped"));
        Assert.That((await InstanceAsync(instanceId)).GetProperty("status_reason").ValueKind, Is.EqualTo(JsonValueKind.Null), "the reason goes with the state");
        (await Api.PostAsync("/api/v1/instance/turnon", new { instance_id = instanceId })).Ok();
        Assert.That((await InstanceAsync(instanceId)).GetProperty("status").GetString(), Is.EqualTo("running"));

        await Virsh("suspend", instanceId);
        await Eventually.HoldsAsync(async () => (await InstanceAsync(instanceId)).GetProperty("status").GetString() == "paused", Noticed, "paused again");
        var destroy = (await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId })).Ok();
        var destroyed = await WaitForTaskAsync(instanceId, destroy.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(destroyed.GetProperty("state").GetString(), Is.EqualTo("succeeded"), "a paused instance can be destroyed: " + destroyed);
        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volume })).Ok();
    }

    [Test]
    public async Task A_volume_lost_in_a_power_cycle_after_an_unfinished_unplug_is_noticed_freed_and_mountable_again()
    {
        var instanceId = await CreateAsync(withDataVolume: true);
        var volumeId = await ScalarAsync<string>("SELECT volume_id FROM volumes WHERE instance_id = @id AND NOT is_boot", ("id", instanceId));
        Assert.That(volumeId, Is.Not.Null);

        // What an unplug the guest never completes leaves: gone from the definition, still in the running domain.
        await Virsh("detach-disk", instanceId, "vdb", "--config");
        await Eventually.HoldsAsync(async () => (await DriftKindsAsync(volumeId!, includeResolved: false)).Contains("device_config_mismatch"),
            Noticed, "the difference between the running domain and its definition is recorded");
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", volumeId!)), Is.EqualTo("in-use"), "still attached: nothing to fix yet");

        // The power cycle boots from the definition: the disk is gone for good.
        await Virsh("destroy", instanceId);
        await Virsh("start", instanceId);
        await Eventually.HoldsAsync(async () => await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", volumeId!)) == "available",
            Noticed, "the volume's record follows the domain: freed");
        Assert.That(await ScalarAsync<string>("SELECT instance_id FROM volumes WHERE volume_id = @id", ("id", volumeId!)), Is.Null);
        Assert.That(await DriftKindsAsync(volumeId!, includeResolved: true), Does.Contain("device_detached"), "the fix is recorded");
        await Eventually.HoldsAsync(async () => (await InstanceAsync(instanceId)).GetProperty("status").GetString() == "running", Noticed, "running again");

        var mounted = await Api.PostAsync("/api/v1/volume/mount", new { volume_id = volumeId, instance_id = instanceId });
        Assert.That(mounted.Code, Is.Zero, "the freed volume mounts again: " + mounted.Body);
        var destroy = (await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId })).Ok();
        Assert.That((await WaitForTaskAsync(instanceId, destroy.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120))).GetProperty("state").GetString(), Is.EqualTo("succeeded"));
    }

    [Test]
    public async Task A_volume_left_in_error_on_an_instance_finds_its_way_out()
    {
        // What an agent killed during volume/mount leaves: the record in error, bound to the
        // instance, whether or not the disk made it into the domain (issue: no call got it out).
        var instanceId = await CreateAsync(withDataVolume: true);
        var attached = await ScalarAsync<string>("SELECT volume_id FROM volumes WHERE instance_id = @id AND NOT is_boot", ("id", instanceId));
        var phantom = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("phantom"), volume_size = 1 })).Ok().GetProperty("volume_id").GetString()!;
        await ExecuteAsync("UPDATE volumes SET status = 'error', error = 'agent lost during mount' WHERE volume_id = @id", ("id", attached!));
        await ExecuteAsync("UPDATE volumes SET status = 'error', error = 'agent lost during mount', instance_id = @i, device = 'vdc' WHERE volume_id = @id", ("id", phantom), ("i", instanceId));

        await Eventually.HoldsAsync(async () => await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", attached!)) == "in-use",
            Noticed, "a volume in error that the domain really has is in-use again");
        await Eventually.HoldsAsync(async () => await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", phantom)) == "available",
            Noticed, "a volume in error that the domain does not have is freed");
        Assert.That(await DriftKindsAsync(attached!, includeResolved: true), Does.Contain("device_restored"));
        Assert.That(await DriftKindsAsync(phantom, includeResolved: true), Does.Contain("device_detached"));

        // Unmount takes a volume in error on the instance too (whether reconciliation got to it
        // first or not). Stopped, so that this OS-less guest's refusal to release disks is not in the way.
        (await Api.PostAsync("/api/v1/instance/turnoff", new { instance_id = instanceId, force = true })).Ok();
        await ExecuteAsync("UPDATE volumes SET status = 'error', error = 'unsure' WHERE volume_id = @id", ("id", attached!));
        var unmounted = await Api.PostAsync("/api/v1/volume/unmount", new { volume_id = attached, instance_id = instanceId });
        Assert.That(unmounted.Code, Is.Zero, unmounted.Body);
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", attached!)), Is.EqualTo("available"));
        Assert.That((await Virsh("dumpxml", "--inactive", instanceId)).Contains($"volumes/{attached}", StringComparison.Ordinal), Is.False, "and the disk is gone from the domain");
        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = phantom })).Ok();
    }

    private async Task<string> CreateAsync(bool withDataVolume = false)
    {
        var imageId = await BlankImageAsync();
        var created = (await Api.PostAsync("/api/v1/instance/create", withDataVolume
            ? new { instance_name = Unique("state"), image_id = imageId, cpu = 1, memory = 64, data_volumes = new[] { new { volume_name = Unique("data"), volume_size = 1 } } }
            : (object)new { instance_name = Unique("state"), image_id = imageId, cpu = 1, memory = 64 })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        var done = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("succeeded"), done.ToString());
        return instanceId;
    }

    private async Task<JsonElement> InstanceAsync(string instanceId) =>
        (await Api.GetAsync("/api/v1/instance/detail", ("instance_id", instanceId))).Ok().GetProperty("instance");
}

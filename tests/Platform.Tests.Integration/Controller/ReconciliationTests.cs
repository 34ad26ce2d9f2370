using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// Changes made behind the controller's back (virsh, rbd) are noticed: recorded as drift,
/// corrected where that is safe (an instance's status follows its host), never silently ignored.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ReconciliationTests : ControllerTestBase
{
    private static readonly TimeSpan Noticed = TimeSpan.FromSeconds(30);

    [Test]
    public async Task An_instance_stopped_started_and_undefined_behind_the_controllers_back_is_noticed()
    {
        var imageId = await BlankImageAsync();
        var created = (await Api.PostAsync("/api/v1/instance/create", new { instance_name = Unique("drift"), image_id = imageId, cpu = 1, memory = 64 })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        var done = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("succeeded"), done.ToString());

        await Virsh("destroy", instanceId);
        await Eventually.HoldsAsync(async () => await StatusAsync(instanceId) == "stopped", Noticed, "instance status follows the powered-off domain");
        // The correction commits before the pass records its drift (the pass goes on to the pools).
        await Eventually.HoldsAsync(async () => (await DriftKindsAsync(instanceId, includeResolved: true)).Contains("state_corrected"), Noticed, "correction recorded as drift");

        await Virsh("start", instanceId);
        await Eventually.HoldsAsync(async () => await StatusAsync(instanceId) == "running", Noticed, "instance status follows the started domain");

        await Virsh("destroy", instanceId);
        await Virsh("undefine", instanceId);
        await Eventually.HoldsAsync(async () => await StatusAsync(instanceId) == "error", Noticed, "an instance whose domain vanished is marked error");
        await Eventually.HoldsAsync(async () => (await DriftKindsAsync(instanceId, includeResolved: false)).Contains("domain_missing"), Noticed, "missing domain recorded as open drift");
        var error = await ScalarAsync<string>("SELECT error FROM instances WHERE instance_id = @id", ("id", instanceId));
        Assert.That(error, Does.Contain("domain is missing"));

        // Destroying the errored instance cleans up what is left and resolves the drift.
        var destroy = (await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId })).Ok();
        var destroyed = await WaitForTaskAsync(instanceId, destroy.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(destroyed.GetProperty("state").GetString(), Is.EqualTo("succeeded"), destroyed.ToString());
        await Eventually.HoldsAsync(async () => !(await DriftKindsAsync(instanceId, includeResolved: false)).Contains("domain_missing"), Noticed, "drift resolved once the instance is gone");
    }

    [Test]
    public async Task Rbd_images_made_or_removed_behind_the_controllers_back_are_recorded()
    {
        var stray = "vol-" + Guid.NewGuid().ToString("N")[..8];
        await Rbd("create", "--size", "4M", $"volumes/{stray}");
        OnCleanUp(() => RemoveRbdImageAsync("volumes", stray));
        await Eventually.HoldsAsync(async () => (await DriftKindsAsync(stray, includeResolved: false)).Contains("rbd_volume_unknown"), Noticed, "stray RBD volume recorded");
        Assert.That(await RbdImageExistsAsync("volumes", stray), Is.True, "reconciliation never deletes what it does not know");

        await Rbd("rm", "--no-progress", $"volumes/{stray}");
        await Eventually.HoldsAsync(async () => !(await DriftKindsAsync(stray, includeResolved: false)).Contains("rbd_volume_unknown"), Noticed, "drift resolved once the image is gone");

        var volume = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("lost"), volume_size = 1 })).Ok();
        var volumeId = volume.GetProperty("volume_id").GetString()!;
        await Rbd("rm", "--no-progress", $"volumes/{volumeId}");
        await Eventually.HoldsAsync(async () => await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", volumeId)) == "error",
            Noticed, "a volume whose RBD image vanished is marked error");
        await Eventually.HoldsAsync(async () => (await DriftKindsAsync(volumeId, includeResolved: false)).Contains("rbd_volume_missing"), Noticed, "vanished volume recorded as open drift");
    }

    [Test]
    public async Task Periodic_passes_fold_the_row_count_deltas_and_list_totals_stay_exact()
    {
        var volumeIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var volume = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("fold"), volume_size = 1 })).Ok();
            volumeIds.Add(volume.GetProperty("volume_id").GetString()!);
        }
        // Each create appended a delta (ListSearchTests follows them without folds); a pass every 2 s folds them.
        await Eventually.HoldsAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM row_count_deltas WHERE table_name = 'volumes'") == 1,
            Noticed, "a periodic pass folded the volumes' deltas into one row");
        Assert.That((await Api.GetAsync("/api/v1/volume/list")).Ok().GetProperty("total").GetInt64(), Is.EqualTo(await CountAsync("volumes")));

        foreach (var volumeId in volumeIds)
        {
            (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId })).Ok();
        }
        Assert.That((await Api.GetAsync("/api/v1/volume/list")).Ok().GetProperty("total").GetInt64(), Is.EqualTo(await CountAsync("volumes")));
    }

    private Task<string?> StatusAsync(string instanceId) =>
        ScalarAsync<string>("SELECT status FROM instances WHERE instance_id = @id", ("id", instanceId));

}

/// <summary>With the periodic pass an hour away, only the host's domain events can explain a quick correction.</summary>
[TestFixture]
[NonParallelizable]
public sealed class EventDrivenReconciliationTests : ControllerTestBase
{
    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Reconciliation:Interval"] = "01:00:00" };

    [Test]
    public async Task A_domain_powered_off_behind_the_controllers_back_shows_as_stopped_within_seconds()
    {
        var imageId = await BlankImageAsync();
        var created = (await Api.PostAsync("/api/v1/instance/create", new { instance_name = Unique("events"), image_id = imageId, cpu = 1, memory = 64 })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        var done = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("succeeded"), done.ToString());
        // The watch is opened at the next host tick (1 s here); give it time to be in place.
        await Task.Delay(TimeSpan.FromSeconds(3));

        await Virsh("destroy", instanceId);
        var took = await Eventually.HoldsAsync(
            async () => await ScalarAsync<string>("SELECT status FROM instances WHERE instance_id = @id", ("id", instanceId)) == "stopped",
            TimeSpan.FromSeconds(15), "status follows the domain event");
        TestContext.Out.WriteLine($"stopped noticed {took.TotalMilliseconds:0} ms after virsh destroy");

        var destroy = (await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId })).Ok();
        var destroyed = await WaitForTaskAsync(instanceId, destroy.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(destroyed.GetProperty("state").GetString(), Is.EqualTo("succeeded"), destroyed.ToString());
    }
}

/// <summary>
/// What a controller killed during images/create leaves (issue: the image stayed creating for
/// good): a record still creating long after its request, with or without its RBD image. The
/// state is made as the crash leaves it — the record with an old create_time, the RBD image made
/// by rbd as the agent would have — because the crash's moment cannot be hit reliably.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AbandonedImageCreationTests : ControllerTestBase
{
    [Test]
    public async Task An_image_left_creating_by_a_dead_request_is_finished_by_reconciliation()
    {
        var made = "ami-" + Guid.NewGuid().ToString("N")[..8];
        var lost = "ami-" + Guid.NewGuid().ToString("N")[..8];
        await Rbd("create", "--size", "16M", $"images/{made}");
        OnCleanUp(() => RemoveRbdImageAsync("images", made));
        foreach (var imageId in new[] { made, lost })
        {
            await ExecuteAsync(
                "INSERT INTO images (image_id, image_name, image_size, os_type, status, create_time) VALUES (@id, 'crashed create', 16777216, 'Linux', 'creating', now() - interval '1 hour')",
                ("id", imageId));
        }

        await Eventually.HoldsAsync(async () => await ScalarAsync<string>("SELECT status FROM images WHERE image_id = @id", ("id", made)) == "available",
            TimeSpan.FromSeconds(30), "the image whose RBD image exists is available");
        await Eventually.HoldsAsync(async () => await ScalarAsync<string>("SELECT status FROM images WHERE image_id = @id", ("id", lost)) == "error",
            TimeSpan.FromSeconds(30), "the image without one is in error");
        Assert.That(await ScalarAsync<string>("SELECT error FROM images WHERE image_id = @id", ("id", lost)), Does.Contain("interrupted"));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE action = 'images.create' AND resource_id = ANY(@ids) AND outcome IN ('succeeded', 'failed')",
            ("ids", new[] { made, lost })), Is.EqualTo(2), "each creation's end is audited");

        // The ways out: the available one takes volumes, the failed one is deleted.
        var volume = await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("from-finished"), volume_size = 1, image_id = made });
        Assert.That(volume.Code, Is.Zero, volume.Body);
        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volume.Data.GetProperty("volume_id").GetString() })).Ok();
        (await Api.PostAsync("/api/v1/images/delete", new { image_id = lost, del_file = true })).Ok();
    }
}

using System.Net;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// An instance create that fails part-way undoes exactly what its task made, gives back what it
/// took, and leaves the instance visible in error with the reason; destroying it then clears it.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class InstanceFailureTests : ControllerTestBase
{
    // The periodic pass would notice the removed RBD image first and refuse the create with a 409.
    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Reconciliation:Interval"] = "01:00:00" };

    [Test]
    public async Task A_create_whose_clone_fails_undoes_what_it_made_and_returns_what_it_took()
    {
        var imageId = await BlankImageAsync();
        var existingVolume = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("kept"), volume_size = 1 })).Ok().GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", existingVolume));
        var existingNic = (await Api.PostAsync("/api/v1/network/create", new { nic_name = Unique("kept") })).Ok().GetProperty("network_interface_id").GetString()!;
        // The image's RBD data goes away behind the controller's back: the clone step fails.
        await Rbd("rm", "--no-progress", $"images/{imageId}");

        var created = (await Api.PostAsync("/api/v1/instance/create", new
        {
            instance_name = Unique("doomed"),
            image_id = imageId,
            cpu = 1,
            memory = 64,
            data_volumes = new[] { new { volume_name = "new", volume_size = 1 } },
            volume_ids = new[] { existingVolume },
            nics = new[] { new { nic_name = "new" } },
            nic_ids = new[] { existingNic },
        })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        // What the task made, from its own record (the rows themselves may already be undone).
        var taskId = created.GetProperty("task_id").GetString()!;
        var volumesMade = await IdsAsync(
            "SELECT payload->>'BootVolumeId' FROM tasks WHERE task_id = @id UNION ALL SELECT jsonb_array_elements_text(payload->'CreatedVolumeIds') FROM tasks WHERE task_id = @id", taskId);
        var nicsMade = await IdsAsync("SELECT jsonb_array_elements_text(payload->'CreatedNicIds') FROM tasks WHERE task_id = @id", taskId);

        var progress = await WaitForTaskAsync(instanceId, taskId, TimeSpan.FromSeconds(120));
        Assert.That(progress.GetProperty("state").GetString(), Is.EqualTo("failed"), progress.ToString());
        Assert.That(progress.GetProperty("error").GetString(), Does.Contain("NotFound").Or.Contain("not found").Or.Contain("does not exist"));

        var detail = (await Api.GetAsync("/api/v1/instance/detail", ("instance_id", instanceId))).Ok().GetProperty("instance");
        Assert.That(detail.GetProperty("status").GetString(), Is.EqualTo("error"));
        Assert.That(detail.GetProperty("error").GetString(), Is.Not.Empty);
        Assert.That(await DomainExistsAsync(instanceId), Is.False);
        foreach (var volume in volumesMade)
        {
            Assert.That(await RbdImageExistsAsync("volumes", volume), Is.False, $"{volume} made by the task is gone from Ceph");
            Assert.That(await ScalarAsync<long>("SELECT count(*) FROM volumes WHERE volume_id = @id", ("id", volume)), Is.Zero, $"{volume} gone from the inventory");
        }
        foreach (var nic in nicsMade)
        {
            Assert.That(await ScalarAsync<long>("SELECT count(*) FROM network_interfaces WHERE nic_id = @id", ("id", nic)), Is.Zero, $"{nic} made by the task is gone");
        }
        Assert.That(volumesMade, Has.Count.EqualTo(2), "boot and data volume were recorded, then undone");
        Assert.That(nicsMade, Has.Count.EqualTo(1));
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", existingVolume)), Is.EqualTo("available"));
        Assert.That(await ScalarAsync<string>("SELECT instance_id FROM volumes WHERE volume_id = @id", ("id", existingVolume)), Is.Null);
        Assert.That(await ScalarAsync<string>("SELECT status FROM network_interfaces WHERE nic_id = @id", ("id", existingNic)), Is.EqualTo("idle"));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM resource_locks"), Is.Zero);

        var destroy = (await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId })).Ok();
        var destroyed = await WaitForTaskAsync(instanceId, destroy.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(60));
        Assert.That(destroyed.GetProperty("state").GetString(), Is.EqualTo("succeeded"), destroyed.ToString());
        var gone = await Api.GetAsync("/api/v1/instance/detail", ("instance_id", instanceId));
        Assert.That(gone.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", existingVolume)), Is.EqualTo("available"),
            "the volume given back is not destroyed with the failed instance");
    }

    private async Task<List<string>> IdsAsync(string sql, string taskId)
    {
        await using var command = Database.CreateCommand(sql);
        command.Parameters.AddWithValue("id", taskId);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }
}

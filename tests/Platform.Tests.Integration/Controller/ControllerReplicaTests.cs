using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// Two controller replicas on one database: either serves what the other wrote, and when the
/// replica running a task dies, the other takes the task over (no state lives in one process).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ControllerReplicaTests : ControllerTestBase
{
    [Test]
    public async Task A_second_replica_serves_the_same_inventory_and_finishes_the_first_ones_task()
    {
        await using var replica = await ControllerProcess.StartAsync(InventoryConnectionString, ControllerSettings);
        using var replicaApi = new RestClient(replica.RestUrl, replica.Token);

        var imageId = await BlankImageAsync();
        var inspected = (await replicaApi.GetAsync("/api/v1/images/inspect", ("image_id", imageId))).Ok();
        Assert.That(inspected.GetProperty("status").GetString(), Is.EqualTo("available"), "written by one replica, read by the other");

        var created = (await Api.PostAsync("/api/v1/instance/create", new
        {
            instance_name = Unique("replica"),
            image_id = imageId,
            cpu = 1,
            memory = 64,
            data_volumes = new[] { new { volume_name = "d1", volume_size = 1 }, new { volume_name = "d2", volume_size = 1 } },
        })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        var taskId = created.GetProperty("task_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        await Controller.KillAsync();

        var stateAtKill = await ScalarAsync<string>("SELECT state FROM tasks WHERE task_id = @id", ("id", taskId));
        if (stateAtKill is "succeeded" or "failed")
        {
            TestEnvironment.CannotRun($"the task had already ended ({stateAtKill}) when its replica was killed");
        }

        await Eventually.HoldsAsync(async () =>
        {
            var progress = (await replicaApi.GetAsync("/api/v1/instance/progress", ("task_id", taskId))).Ok();
            return progress.GetProperty("state").GetString() is "succeeded" or "failed";
        }, TimeSpan.FromSeconds(120), "the surviving replica finished the task");
        var owner = await ScalarAsync<string>("SELECT owner FROM tasks WHERE task_id = @id", ("id", taskId));
        Assert.That(await ScalarAsync<string>("SELECT state FROM tasks WHERE task_id = @id", ("id", taskId)), Is.EqualTo("succeeded"));
        Assert.That(owner, Does.Contain($"/{replica.Pid}/"), "taken over by the surviving replica");
        Assert.That(await DomainStateAsync(instanceId), Is.EqualTo("running"));

        var destroy = (await replicaApi.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId })).Ok();
        await Eventually.HoldsAsync(async () =>
            (await replicaApi.GetAsync("/api/v1/instance/progress", ("task_id", destroy.GetProperty("task_id").GetString()!))).Ok()
                .GetProperty("state").GetString() == "succeeded", TimeSpan.FromSeconds(120), "destroyed through the surviving replica");
        Assert.That(await DomainExistsAsync(instanceId), Is.False);
    }
}

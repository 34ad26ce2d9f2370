using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// A controller killed while a task runs: after the restart the task resumes (its lease ran
/// out) and finishes once — the agent's operation ids make the repeated steps no-ops — or ends
/// in an honest error; it never stays in progress.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ControllerRestartTests : ControllerTestBase
{
    [Test]
    public async Task A_task_interrupted_by_a_controller_crash_resumes_and_makes_nothing_twice()
    {
        var imageId = await BlankImageAsync();
        var created = (await Api.PostAsync("/api/v1/instance/create", new
        {
            instance_name = Unique("crash"),
            image_id = imageId,
            cpu = 1,
            memory = 64,
            data_volumes = new[] { new { volume_name = "d1", volume_size = 1 }, new { volume_name = "d2", volume_size = 1 } },
        })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        var taskId = created.GetProperty("task_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        await KillAndRestartControllerAsync();

        var stateAtKill = await ScalarAsync<string>("SELECT state FROM tasks WHERE task_id = @id", ("id", taskId));
        if (stateAtKill is "succeeded" or "failed")
        {
            TestEnvironment.CannotRun($"the task had already ended ({stateAtKill}) when the controller was killed");
        }

        var progress = await WaitForTaskAsync(instanceId, taskId, TimeSpan.FromSeconds(120));
        Assert.That(progress.GetProperty("state").GetString(), Is.EqualTo("succeeded"), progress.ToString());
        Assert.That(await ScalarAsync<int>("SELECT attempts FROM tasks WHERE task_id = @id", ("id", taskId)), Is.EqualTo(2), "resumed exactly once");
        Assert.That(await ScalarAsync<string>("SELECT status FROM instances WHERE instance_id = @id", ("id", instanceId)), Is.EqualTo("running"));
        Assert.That(await DomainStateAsync(instanceId), Is.EqualTo("running"));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM resource_locks"), Is.Zero, "locks released");

        // Exactly the volumes of record exist in Ceph, each once, and the domain holds each once.
        var xml = await Virsh("dumpxml", instanceId);
        var volumes = (await Rbd("ls", "volumes")).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        await using var command = Database.CreateCommand("SELECT volume_id FROM volumes WHERE instance_id = @id");
        command.Parameters.AddWithValue("id", instanceId);
        var recorded = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                recorded.Add(reader.GetString(0));
            }
        }
        Assert.That(recorded, Has.Count.EqualTo(3));
        foreach (var volume in recorded)
        {
            Assert.That(volumes, Does.Contain(volume));
            Assert.That(xml.Split($"volumes/{volume}").Length - 1, Is.EqualTo(1), $"{volume} attached once");
        }

        var destroy = (await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId })).Ok();
        var destroyed = await WaitForTaskAsync(instanceId, destroy.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(destroyed.GetProperty("state").GetString(), Is.EqualTo("succeeded"), destroyed.ToString());
    }
}

using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Faults;

/// <summary>
/// The agent lost for a moment (killed, restarted by its supervisor on the same port): tasks
/// retry the unreachable agent with back-off instead of failing at the first attempt, so an
/// interrupted create or delete completes and leaves no volume in error. A delete the agent
/// refuses leaves the volume as it was; the remains of a create cut off inside rbd_create are
/// recognised and removed by the delete.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AgentLossTests : ControllerTestBase
{
    private static readonly TimeSpan Noticed = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_delete_started_while_the_agent_is_down_completes_once_it_is_back()
    {
        var volumeId = await CreateVolumeAsync();
        await HostAgent.KillAsync();

        var deleting = Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId });
        await WaitForRetryAsync("RemoveImage");
        await HostAgent.StartAgainAsync();
        var deleted = await deleting;

        Assert.That((deleted.Status, deleted.Code), Is.EqualTo((HttpStatusCode.OK, 0)), deleted.ToString());
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM volumes WHERE volume_id = @id", ("id", volumeId)), Is.Zero);
        Assert.That(await RbdImageExistsAsync("volumes", volumeId), Is.False);
        Assert.That(await TaskStatesAsync(volumeId), Is.EqualTo(new[] { "succeeded", "succeeded" }), "create and delete, nothing failed");
    }

    [Test]
    public async Task A_create_started_while_the_agent_is_down_completes_once_it_is_back()
    {
        await HostAgent.KillAsync();

        var creating = Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("later"), volume_size = 1 });
        await WaitForRetryAsync("CreateImage");
        await HostAgent.StartAgainAsync();
        var created = (await creating).Ok();

        var volumeId = created.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        Assert.That(created.GetProperty("status").GetString(), Is.EqualTo("available"), created.ToString());
        Assert.That(await RbdImageExistsAsync("volumes", volumeId), Is.True);
    }

    [Test]
    public async Task A_delete_the_agent_refuses_leaves_the_volume_as_it_was_and_can_be_repeated()
    {
        var volumeId = await CreateVolumeAsync();
        // Somebody's snapshot: the agent refuses to remove the image, nothing is removed.
        (await ChildProcess.RunAsync("rbd", [.. RbdArguments, "snap", "create", $"volumes/{volumeId}@keep"], TimeSpan.FromMinutes(1))).EnsureSuccess();

        var refused = await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId });

        Assert.That(refused.Status, Is.Not.EqualTo(HttpStatusCode.OK), refused.ToString());
        Assert.That(refused.Message, Does.Contain("snapshot"), refused.ToString());
        var row = await ScalarAsync<string>("SELECT status || ': ' || coalesce(error, '') FROM volumes WHERE volume_id = @id", ("id", volumeId));
        Assert.That(row, Does.StartWith("available: ").And.Contain("snapshot"), "the volume is intact and says why the delete failed");

        (await ChildProcess.RunAsync("rbd", [.. RbdArguments, "snap", "rm", $"volumes/{volumeId}@keep"], TimeSpan.FromMinutes(1))).EnsureSuccess();
        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId })).Ok();
        Assert.That(await RbdImageExistsAsync("volumes", volumeId), Is.False);
    }

    [Test]
    public async Task Remains_of_an_interrupted_create_are_recognised_and_the_delete_removes_them()
    {
        var volumeId = await CreateVolumeAsync();
        // What an agent killed inside rbd_create leaves, on a volume whose create failed.
        await CutHeaderAsync(volumeId);
        await ExecuteAsync("UPDATE volumes SET status = 'error', error = 'the agent was killed' WHERE volume_id = @id", ("id", volumeId));
        var stray = "vol-" + Guid.NewGuid().ToString("N")[..8];
        OnCleanUp(() => RemoveRbdImageAsync("volumes", stray));
        (await ChildProcess.RunAsync("rbd", [.. RbdArguments, "create", "--size", "4M", $"volumes/{stray}"], TimeSpan.FromMinutes(1))).EnsureSuccess();
        await CutHeaderAsync(stray);

        await Eventually.HoldsAsync(async () => (await DriftKindsAsync(volumeId, includeResolved: false)).Contains("rbd_volume_incomplete"), Noticed, "the errored volume's remains recognised");
        await Eventually.HoldsAsync(async () => (await DriftKindsAsync(stray, includeResolved: false)).Contains("rbd_volume_incomplete"), Noticed, "unknown remains recognised as such");

        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId })).Ok();
        Assert.That((await Rbd("ls", "volumes")).Split('\n', StringSplitOptions.TrimEntries), Does.Not.Contain(volumeId), "the remains are gone from the pool");
        await Eventually.HoldsAsync(async () => !(await DriftKindsAsync(volumeId, includeResolved: false)).Contains("rbd_volume_incomplete"), Noticed, "drift resolved once the remains are gone");
    }

    private async Task<string> CreateVolumeAsync()
    {
        var created = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("loss"), volume_size = 1 })).Ok();
        var volumeId = created.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        return volumeId;
    }

    /// <summary>Until the controller has met the dead agent and is retrying the call (its log says so).</summary>
    private Task<TimeSpan> WaitForRetryAsync(string method) =>
        Eventually.HoldsAsync(() => Task.FromResult(Controller.Output.Contains($"{method} on ", StringComparison.Ordinal) && Controller.Output.Contains("agent unavailable (attempt 1)", StringComparison.Ordinal)),
            Noticed, $"the controller retrying {method} on the unreachable agent");

    private async Task<IReadOnlyList<string>> TaskStatesAsync(string resourceId)
    {
        await using var command = Database.CreateCommand("SELECT state FROM tasks WHERE resource_id = @id ORDER BY created_at");
        command.Parameters.AddWithValue("id", resourceId);
        var states = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            states.Add(reader.GetString(0));
        }
        return states;
    }

    private async Task CutHeaderAsync(string image)
    {
        var info = await Rbd("info", "--format", "json", $"volumes/{image}");
        var id = System.Text.Json.JsonDocument.Parse(info).RootElement.GetProperty("id").GetString();
        (await ChildProcess.RunAsync("rados", [.. RbdArguments, "-p", "volumes", "rm", $"rbd_header.{id}"], TimeSpan.FromMinutes(1))).EnsureSuccess();
    }
}

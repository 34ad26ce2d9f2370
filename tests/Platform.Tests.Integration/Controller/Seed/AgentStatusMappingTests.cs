using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Seed;

/// <summary>
/// One mapping from agent status to REST code: NOT_FOUND from the agent answers 409 / 40904 both
/// where a request calls the agent itself (unregister_images/list, images/create, images/delete)
/// and where a task does (volume/create), and the task records the same code.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AgentStatusMappingTests : ControllerTestBase
{
    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Reconciliation:Interval"] = "01:00:00" };

    [Test]
    public async Task An_agents_NOT_FOUND_answers_40904_on_the_synchronous_and_the_task_path()
    {
        // The only up host is one whose agent answers NOT_FOUND.
        await StopHostAgentAsync();
        await Eventually.HoldsAsync(async () => await HostStatusAsync(HostId) == "down", TimeSpan.FromSeconds(30), "the fixture's host marked down");
        var hostId = "host-" + Guid.NewGuid().ToString("N")[..8];
        await using var agent = await NotFoundAgent.StartAsync(Certificates, Controller.GrpcUrl, hostId);
        await Eventually.HoldsAsync(async () => await HostStatusAsync(hostId) == "up", TimeSpan.FromSeconds(30), "the NOT_FOUND host registered");

        // Synchronous: the request calls the agent itself.
        var listed = await Api.GetAsync("/api/v1/unregister_images/list");
        AssertNotFoundAnswer(listed);
        var imageId = "ami-" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync("INSERT INTO images (image_id, image_name, image_size, os_type, status) VALUES (@id, 'kept', 1048576, 'Linux', 'available')", ("id", imageId));
        var deleted = await Api.PostAsync("/api/v1/images/delete", new { image_id = imageId, del_file = true });
        AssertNotFoundAnswer(deleted);
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM images WHERE image_id = @id", ("id", imageId)), Is.EqualTo(1), "a refused delete keeps the image");
        var created = await Api.PostAsync("/api/v1/images/create", new { image_name = Unique("nowhere"), image_size = 16 << 20, os_type = "Linux" });
        AssertNotFoundAnswer(created);

        // Task path: the request waits for its task, which calls the agent.
        var volumeName = Unique("nowhere");
        var volume = await Api.PostAsync("/api/v1/volume/create", new { volume_name = volumeName, volume_size = 1 });
        AssertNotFoundAnswer(volume);
        var volumeId = await ScalarAsync<string>("SELECT volume_id FROM volumes WHERE volume_name = @n", ("n", volumeName));
        Assert.That(await ScalarAsync<string>("SELECT error_code FROM tasks WHERE resource_id = @id", ("id", volumeId!)), Is.EqualTo("refused"));
        var task = (await Api.GetAsync("/api/v1/tasks/list", ("resource_id", volumeId!))).Ok().GetProperty("items")[0];
        Assert.That(task.GetProperty("error_code").GetInt32(), Is.EqualTo(40904), task.ToString());
        Assert.That(task.GetProperty("error").GetString(), Does.Contain(NotFoundAgent.Detail));
    }

    private static void AssertNotFoundAnswer(ApiResponse response)
    {
        Assert.That((response.Status, response.Code), Is.EqualTo((HttpStatusCode.Conflict, 40904)), response.ToString());
        Assert.That(response.Message, Does.Contain(NotFoundAgent.Detail), "the agent's own sentence");
    }
}

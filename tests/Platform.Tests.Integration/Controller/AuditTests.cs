using System.Net;
using System.Text.Json;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// The audit trail: every mutating request leaves an accepted row (with its caller) in the
/// transaction of its state change and a row when its task ends; refused and invalid requests
/// leave nothing. A failed task shows its error code next to its message wherever it is read.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AuditTests : ControllerTestBase
{
    // Instances staged with SQL have no domain: reconciliation would rightly mark them error.
    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Reconciliation:Interval"] = "01:00:00" };

    [Test]
    public async Task Successful_operations_are_audited_when_accepted_and_when_done()
    {
        var image = (await Api.PostAsync("/api/v1/images/create", new { image_name = Unique("audited"), image_size = 16 << 20, os_type = "Linux" }, "console-img-1")).Ok();
        var imageId = image.GetProperty("image_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("images", imageId));
        (await Api.PostAsync("/api/v1/images/update", new { image_id = imageId, describe = "audited" })).Ok();

        var volume = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("audited"), volume_size = 1 }, "console-vol-1")).Ok();
        var volumeId = volume.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        var createTask = volume.GetProperty("task_id").GetString()!;
        var deleteTask = (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId })).Ok().GetProperty("task_id").GetString()!;

        var nicId = (await Api.PostAsync("/api/v1/network/create", new { nic_name = Unique("audited") })).Ok().GetProperty("network_interface_id").GetString()!;
        (await Api.PostAsync("/api/v1/network/delete", new { nic_id = nicId })).Ok();

        var volumeEvents = await EventsAsync(("resource_id", volumeId));
        Assert.That(volumeEvents.Select(e => (Action(e), Outcome(e), TaskId(e))), Is.EqualTo(new[]
        {
            ("volume.delete", "succeeded", deleteTask),
            ("volume.delete", "accepted", deleteTask),
            ("volume.create", "succeeded", createTask),
            ("volume.create", "accepted", createTask),
        }), "newest first");
        var created = volumeEvents.Where(e => Action(e) == "volume.create").ToList();
        Assert.That(created.Select(e => e.GetProperty("request_id").GetString()), Has.All.EqualTo("console-vol-1"), "the finish row keeps the request's caller");
        Assert.That(created.Select(e => e.GetProperty("remote_address").GetString()), Has.All.EqualTo("127.0.0.1"));
        Assert.That(created[1].GetProperty("detail").GetProperty("volume_size").GetInt32(), Is.EqualTo(1));
        Assert.That(volumeEvents.Select(e => e.GetProperty("error_code").ValueKind), Has.All.EqualTo(JsonValueKind.Null));
        Assert.That(volumeEvents.Select(e => e.GetProperty("at").GetInt64()), Has.All.GreaterThan(0));

        var imageEvents = await EventsAsync(("resource_id", imageId));
        Assert.That(imageEvents.Select(e => (Action(e), Outcome(e))), Is.EqualTo(new[]
        {
            ("images.update", "succeeded"), ("images.create", "succeeded"), ("images.create", "accepted"),
        }));
        Assert.That(imageEvents[2].GetProperty("request_id").GetString(), Is.EqualTo("console-img-1"));
        Assert.That(imageEvents[0].GetProperty("request_id").GetString(), Is.Not.Empty, "without X-Request-Id the controller's own id is kept");

        var nicEvents = await EventsAsync(("resource_id", nicId));
        Assert.That(nicEvents.Select(e => (Action(e), Outcome(e))), Is.EqualTo(new[] { ("network.delete", "succeeded"), ("network.create", "succeeded") }));

        var byAction = await EventsAsync(("action", "network.create"));
        Assert.That(byAction.Select(Action), Has.All.EqualTo("network.create"));
        Assert.That(byAction.Select(e => e.GetProperty("resource_id").GetString()), Does.Contain(nicId));

        // The same rows, read without the controller.
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE task_id = @t AND outcome IN ('accepted', 'succeeded')", ("t", createTask)), Is.EqualTo(2));
        Assert.That(await ScalarAsync<string>("SELECT request_id FROM audit_events WHERE task_id = @t AND outcome = 'succeeded'", ("t", createTask)), Is.EqualTo("console-vol-1"));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE resource_id = ANY(@ids)", ("ids", new[] { volumeId, imageId, nicId })), Is.EqualTo(9));
    }

    [Test]
    public async Task Refused_and_invalid_requests_write_no_audit_event()
    {
        var volumeId = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("idle"), volume_size = 1 })).Ok().GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        var nicId = (await Api.PostAsync("/api/v1/network/create", new { nic_name = Unique("idle") })).Ok().GetProperty("network_interface_id").GetString()!;
        var running = await InsertInstanceAsync("running");
        var before = await InventorySnapshotAsync();
        var listed = (await Api.GetAsync("/api/v1/audit/list")).Ok().GetProperty("total").GetInt64();

        var refusals = new (string Path, object Body, HttpStatusCode Status, int Code)[]
        {
            ("/api/v1/volume/unmount", new { volume_id = volumeId, instance_id = running }, HttpStatusCode.Conflict, 40904),
            ("/api/v1/volume/mount", new { volume_id = volumeId, instance_id = "i-00000000" }, HttpStatusCode.NotFound, 40404),
            ("/api/v1/volume/create", new { volume_name = "x", volume_size = 0 }, HttpStatusCode.BadRequest, 40001),
            ("/api/v1/network/detach", new { nic_id = nicId, instance_id = running }, HttpStatusCode.Conflict, 40904),
            ("/api/v1/network/delete", new { nic_id = "nic-00000000" }, HttpStatusCode.NotFound, 40403),
            ("/api/v1/instance/turnon", new { instance_id = running }, HttpStatusCode.Conflict, 40904),
            ("/api/v1/instance/destroy", new { instance_id = "i-00000000" }, HttpStatusCode.NotFound, 40404),
            ("/api/v1/images/update", new { image_id = "ami-00000000", describe = "x" }, HttpStatusCode.NotFound, 40401),
        };
        foreach (var (path, body, status, code) in refusals)
        {
            var answer = await Api.PostAsync(path, body);
            Assert.That((answer.Status, answer.Code), Is.EqualTo((status, code)), $"{path}: {answer}");
        }

        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));
        Assert.That((await Api.GetAsync("/api/v1/audit/list")).Ok().GetProperty("total").GetInt64(), Is.EqualTo(listed));
    }

    [Test]
    public async Task A_failed_task_shows_its_error_code_on_progress_tasks_and_the_audit_trail()
    {
        // Recorded as stopped on this host, but no libvirtd has the domain: starting it fails at the agent.
        var instanceId = await InsertInstanceAsync("stopped");
        var on = await Api.PostAsync("/api/v1/instance/turnon", new { instance_id = instanceId }, "console-on-1");
        // The agent has no such domain: a refusal in the instance's state (409), not an agent fault or a bug.
        Assert.That((on.Status, on.Code), Is.EqualTo((HttpStatusCode.Conflict, 40904)), on.ToString());

        var progress = (await Api.GetAsync("/api/v1/instance/progress", ("instance_id", instanceId))).Ok();
        Assert.That(progress.GetProperty("state").GetString(), Is.EqualTo("failed"), progress.ToString());
        Assert.That(progress.GetProperty("error_code").GetInt32(), Is.EqualTo(on.Code), progress.ToString());
        var message = progress.GetProperty("error").GetString()!;
        Assert.That(on.Message, Does.EndWith(message), "the request answered the task's own sentence");
        var taskId = progress.GetProperty("task_id").GetString()!;

        var task = (await Api.GetAsync("/api/v1/tasks/detail", ("task_id", taskId))).Ok();
        Assert.That((task.GetProperty("error_code").GetInt32(), task.GetProperty("error").GetString()), Is.EqualTo((on.Code, message)));
        var listedTask = (await Api.GetAsync("/api/v1/tasks/list", ("resource_id", instanceId))).Ok().GetProperty("items")[0];
        Assert.That(listedTask.GetProperty("error_code").GetInt32(), Is.EqualTo(on.Code));
        Assert.That(await ScalarAsync<string>("SELECT error_code FROM tasks WHERE task_id = @t", ("t", taskId)), Is.EqualTo("refused"));
        Assert.That(await ScalarAsync<string>("SELECT status FROM instances WHERE instance_id = @i", ("i", instanceId)), Is.EqualTo("stopped"));

        var events = await EventsAsync(("resource_id", instanceId));
        Assert.That(events.Select(e => (Action(e), Outcome(e), TaskId(e))), Is.EqualTo(new[]
        {
            ("instance.turnon", "failed", taskId), ("instance.turnon", "accepted", taskId),
        }));
        Assert.That((events[0].GetProperty("error_code").GetInt32(), events[0].GetProperty("error").GetString()), Is.EqualTo((on.Code, message)));
        Assert.That(events.Select(e => e.GetProperty("request_id").GetString()), Has.All.EqualTo("console-on-1"));
        Assert.That(await ScalarAsync<string>("SELECT error_code FROM audit_events WHERE task_id = @t AND outcome = 'failed'", ("t", taskId)),
            Is.EqualTo(await ScalarAsync<string>("SELECT error_code FROM tasks WHERE task_id = @t", ("t", taskId))));

        // A hot-plug onto the same missing domain: the volume's failure is audited the same way.
        var volumeId = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("plug"), volume_size = 1 })).Ok().GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        var mount = await Api.PostAsync("/api/v1/volume/mount", new { volume_id = volumeId, instance_id = instanceId });
        Assert.That(mount.Code, Is.Not.Zero, mount.ToString());
        var mounted = await EventsAsync(("resource_id", volumeId), ("action", "volume.mount"));
        Assert.That(mounted.Select(e => (Outcome(e), e.GetProperty("error_code").ValueKind == JsonValueKind.Null ? 0 : e.GetProperty("error_code").GetInt32())),
            Is.EqualTo(new[] { ("failed", mount.Code), ("accepted", 0) }));
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @v", ("v", volumeId)), Is.EqualTo("available"));
    }

    [Test]
    public async Task The_audit_list_validates_its_parameters_like_the_other_lists()
    {
        var cases = new (string Name, string Value)[][]
        {
            [("action", "volume.explode")],
            [("resource_id", "vol-1; DROP TABLE audit_events")],
            [("page_size", "0")],
            [("page_num", "x")],
        };
        foreach (var query in cases)
        {
            var answer = await Api.GetAsync("/api/v1/audit/list", query);
            Assert.That((answer.Status, answer.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), answer.ToString());
            Assert.That(answer.Data.GetProperty("errors")[0].GetProperty("field").GetString(), Is.EqualTo(query[0].Name));
        }
        var page = (await Api.GetAsync("/api/v1/audit/list", ("page_num", "1"), ("page_size", "1"))).Ok();
        Assert.That((page.GetProperty("page_num").GetInt32(), page.GetProperty("page_size").GetInt32()), Is.EqualTo((1, 1)));
        Assert.That(page.GetProperty("items").GetArrayLength(), Is.LessThanOrEqualTo(1));
    }

    private async Task<List<JsonElement>> EventsAsync(params (string Name, string Value)[] filter)
    {
        var page = (await Api.GetAsync("/api/v1/audit/list", [.. filter, ("page_size", "100")])).Ok();
        return page.GetProperty("items").EnumerateArray().ToList();
    }

    private static string Action(JsonElement e) => e.GetProperty("action").GetString()!;

    private static string Outcome(JsonElement e) => e.GetProperty("outcome").GetString()!;

    private static string? TaskId(JsonElement e) => e.GetProperty("task_id").GetString();
}

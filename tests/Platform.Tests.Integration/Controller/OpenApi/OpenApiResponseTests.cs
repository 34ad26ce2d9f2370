using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.OpenApi;

/// <summary>
/// Real answers of every resource (lists, creations, changes, validation failures, unknown ids,
/// missing tokens), each checked against the schema the document gives for its operation and
/// status: a field renamed, retyped or dropped in an answer, or an undocumented status, fails here.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class OpenApiResponseTests : ControllerTestBase, IDisposable
{
    private ServedApiDescription _description = null!;
    private ApiCaller _caller = null!;

    [OneTimeSetUp]
    public async Task FetchDocumentAsync()
    {
        _description = await ServedApiDescription.FetchAsync(Controller.RestUrl);
        _caller = new ApiCaller(Controller.RestUrl, Controller.Token);
    }

    public void Dispose() => _caller?.Dispose();

    [Test]
    public async Task Image_volume_and_network_answers_match_the_document()
    {
        var image = await Expect(200, "POST", "/api/v1/images/create", json: new { image_name = Unique("doc"), image_size = 16 << 20, os_type = "Linux" });
        var imageId = Data(image).GetProperty("image_id").GetString()!;
        await Expect(200, "GET", "/api/v1/images/list", query: [("page_size", "5")]);
        await Expect(200, "GET", "/api/v1/images/inspect", query: [("image_id", imageId)]);
        await Expect(404, "GET", "/api/v1/images/inspect", query: [("image_id", "ami-00000000")]);
        await Expect(400, "POST", "/api/v1/images/create", form: [("image_name", " bad<name> "), ("image_size", "1")]);
        await Expect(200, "POST", "/api/v1/images/update", json: new { image_id = imageId, describe = "described" });
        await Expect(200, "GET", "/api/v1/unregister_images/list");

        var volume = await Expect(200, "POST", "/api/v1/volume/create", json: new { volume_name = Unique("doc"), volume_size = 1 });
        var volumeId = Data(volume).GetProperty("volume_id").GetString()!;
        await Expect(200, "GET", "/api/v1/volume/list", query: [("filter_name", "doc")]);
        await Expect(400, "POST", "/api/v1/volume/create", json: new { volume_name = "", volume_size = 0, image_id = "no good" });
        await Expect(404, "POST", "/api/v1/volume/mount", json: new { volume_id = volumeId, instance_id = "i-00000000" });
        await Expect(404, "POST", "/api/v1/volume/delete", form: [("volume_id", "vol-00000000")]);
        if (Data(volume).GetProperty("task_id").GetString() is { } volumeTask)
        {
            await Expect(200, "GET", "/api/v1/tasks/detail", query: [("task_id", volumeTask)]);
            await Eventually.HoldsAsync(async () => (await _caller.SendAsync("GET", "/api/v1/tasks/detail", query: [("task_id", volumeTask)]))
                .Json.GetProperty("data").GetProperty("state").GetString() is "succeeded" or "failed", TimeSpan.FromSeconds(60), "the volume's task ended");
        }
        await ExpectAny("POST", "/api/v1/volume/delete", json: new { volume_id = volumeId });

        var nic = await Expect(200, "POST", "/api/v1/network/create", json: new { network_interface_name = Unique("doc") });
        var nicId = Data(nic).GetProperty("network_interface_id").GetString()!;
        await Expect(200, "GET", "/api/v1/network/list");
        await Expect(200, "GET", "/api/v1/network/search", query: [("nic_id", nicId), ("status", "idle")]);
        await Expect(400, "GET", "/api/v1/network/search", query: [("mac", "nope"), ("ip", "1.2"), ("page_size", "0")]);
        await Expect(404, "POST", "/api/v1/network/attach", json: new { nic_id = nicId, instance_id = "i-00000000" });
        await ExpectAny("POST", "/api/v1/network/delete", form: [("network_interface_id", nicId)]);
        await Expect(404, "POST", "/api/v1/network/delete", json: new { network_interface_id = "nic-00000000" });

        await ExpectAny("POST", "/api/v1/images/delete", json: new { image_id = imageId });
    }

    [Test]
    public async Task Instance_task_audit_host_and_drift_answers_match_the_document()
    {
        await Expect(200, "GET", "/api/v1/instance/list");
        await Expect(200, "GET", "/api/v1/instance/search", query: [("status", "running")]);
        await Expect(400, "GET", "/api/v1/instance/search", query: [("status", "sleeping"), ("host_ip", "x")]);
        await Expect(404, "GET", "/api/v1/instance/detail", query: [("instance_id", "i-00000000")]);
        await Expect(400, "POST", "/api/v1/instance/create", json: new { instance_name = "", cpu = 0, memory = "lots", data_volumes = new[] { new { volume_name = "" } } });
        await Expect(400, "GET", "/api/v1/instance/progress");
        await Expect(404, "POST", "/api/v1/instance/turnon", json: new { instance_id = "i-00000000" });
        await Expect(404, "POST", "/api/v1/instance/turnoff", form: [("instance_id", "i-00000000"), ("force", "true")]);
        await Expect(404, "POST", "/api/v1/instance/destory", json: new { instance_id = "i-00000000" });
        await Expect(200, "GET", "/api/v1/tasks/list", query: [("page_size", "3")]);
        await Expect(404, "GET", "/api/v1/tasks/detail", query: [("task_id", "task-nothing")]);
        await Expect(200, "GET", "/api/v1/audit/list");
        await Expect(400, "GET", "/api/v1/audit/list", query: [("action", "nothing")]);
        var hosts = await Expect(200, "GET", "/api/v1/hosts/list");
        Assert.That(Data(hosts).GetProperty("items").GetArrayLength(), Is.GreaterThan(0));
        await Expect(200, "GET", "/api/v1/drift/list", query: [("include_resolved", "true")]);
    }

    [Test]
    public async Task Driver_center_answers_match_the_document()
    {
        await Expect(200, "GET", "/thor/voi/driver");
        await Expect(400, "POST", "/thor/voi/driver", json: new { ids = new[] { 1 } });
        await Expect(400, "PUT", "/thor/voi/driver", json: new { id = 0 });
        await ExpectAny("GET", "/thor/voi/driver/mount");
        await Expect(400, "POST", "/thor/voi/driver/mount", json: new { is_mounted = true, is_init = false });
        await Expect(200, "GET", "/thor/image/1");
        await Expect(200, "GET", "/thor/image/2");
        await ExpectAny("GET", "/thor/voi/image_relate_drive", query: [("ids", "ami-00000000")]);
        await Expect(400, "POST", "/thor/voi/image_relate_drive", json: new { id = "", universal_driver_id = "x" });
        await Expect(200, "GET", "/thor/voi/printer");
        await Expect(400, "PUT", "/thor/voi/printer", json: new { id = 1 });
        await Expect(404, "POST", "/thor/voi/printer/duplicate", json: new { id = 999_999 });
        await Expect(404, "POST", "/thor/voi/printer/config", json: new { id = 999_999 });

        var registered = await Expect(200, "POST", "/thor/voi/terminal/register", json: new { name = Unique("term"), mac = RandomMac() });
        var token = Data(registered).GetProperty("token").GetString()!;
        var terminalId = Data(registered).GetProperty("terminal_id").GetInt64();
        await Expect(200, "GET", "/thor/voi/terminal");
        await Expect(401, "GET", "/thor/voi/terminal/manifest", token: "");
        await Expect(403, "GET", "/thor/voi/terminal/manifest");
        await ExpectAny("GET", "/thor/voi/terminal/manifest", query: [("wait", "0")], token: token);
        await Expect(200, "POST", "/thor/voi/terminal/state", json: new { tool_disk_version = 0, is_downloading = false }, token: token);
        await Expect(400, "POST", "/thor/voi/terminal/state", json: new { tool_disk_version = -1 }, token: token);
        await Expect(200, "GET", "/thor/voi/terminal/update_status");
        await Expect(404, "POST", "/thor/voi/terminal/notify", json: new { ids = new[] { 999_999 } });
        await Expect(200, "POST", "/thor/voi/terminal/notify", json: new { ids = new[] { terminalId } });
        await Expect(404, "POST", "/thor/voi/printer/terminals", json: new { id = 999_999, terminal_ids = new[] { terminalId } });
        await Expect(401, "GET", "/thor/voi/terminal/files/{name}", path: "/thor/voi/terminal/files/base.qcow2", token: "");
        await Expect(200, "POST", "/thor/voi/terminal", form: [("action", "delete"), ("ids", terminalId.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        Assert.That(Controller.Output, Does.Not.Contain(OpenApiDocumentTests.DriftMarker), "a handler read a field its description does not have");
    }

    private static JsonElement Data(RawAnswer answer) => answer.Json.GetProperty("data");

    private static string RandomMac() => "52:54:00:" + string.Join(':', Guid.NewGuid().ToByteArray()[..3].Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Sends the request, checks the status, and checks the answer against the document.</summary>
    private async Task<RawAnswer> Expect(int status, string method, string template, (string, string)[]? query = null, object? json = null,
        (string, string)[]? form = null, string? token = null, string? path = null)
    {
        var answer = await ExpectAny(method, template, query, json, form, token, path);
        Assert.That(answer.Status, Is.EqualTo(status), $"{method} {path ?? template}: {answer}");
        return answer;
    }

    /// <summary>Sends the request and checks whatever it answered against the document (for answers that depend on timing).</summary>
    private async Task<RawAnswer> ExpectAny(string method, string template, (string, string)[]? query = null, object? json = null,
        (string, string)[]? form = null, string? token = null, string? path = null)
    {
        var answer = await _caller.SendAsync(method, path ?? template, query, json, form, token);
        Assert.That(answer.Status, Is.LessThan(500), $"{method} {path ?? template}: {answer}");
        Assert.That(_description.Problems(method, template, answer.Status, answer.Json), Is.Empty, $"{method} {path ?? template}: {answer}");
        return answer;
    }
}

using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Observability;

/// <summary>
/// Both daemons of a private platform, logging JSON: their /metrics move as a volume is created
/// and deleted through REST, and the controller's request line and the agent's line for the gRPC
/// call that request made carry the same trace id.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class ObservabilityTests : ControllerTestBase
{
    private const string CreateImage = "/platform.agent.v1.RbdService/CreateImage";
    private const string RemoveImage = "/platform.agent.v1.RbdService/RemoveImage";
    private static readonly TimeSpan MetricsTimeout = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new(TrustedTestAuthorities.Handler()) { Timeout = TimeSpan.FromSeconds(10) };

    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Logging:Format"] = "json" };

    protected override IReadOnlyDictionary<string, string> AgentSettings =>
        new Dictionary<string, string> { ["PLATFORM_Logging__Format"] = "json" };

    [Test]
    public async Task Metrics_of_both_daemons_move_after_a_volume_is_created_and_deleted()
    {
        var controllerBefore = await PrometheusText.ScrapeAsync(Http, Controller.RestUrl, Controller.Token);
        var agentBefore = await PrometheusText.ScrapeAsync(Http, Agent.HttpUrl);

        var volumeId = await CreateAndDeleteVolumeAsync(Unique("metrics"));

        // Task counters are recorded as the task ends, a moment after the answer: wait for them.
        PrometheusText controller = null!;
        await Eventually.HoldsAsync(async () =>
        {
            controller = await PrometheusText.ScrapeAsync(Http, Controller.RestUrl, Controller.Token);
            return Moved(controllerBefore, controller, "platform_tasks_finished_total", ("kind", "volume.delete"), ("outcome", "succeeded")) >= 1;
        }, MetricsTimeout, $"the controller counted volume {volumeId}'s delete task as succeeded");
        var agent = await PrometheusText.ScrapeAsync(Http, Agent.HttpUrl);

        Assert.Multiple(() =>
        {
            // HTTP server requests, by route template.
            Assert.That(Moved(controllerBefore, controller, "http_server_request_duration_seconds_count", ("http_route", "/api/v1/volume/create"), ("http_request_method", "POST")),
                Is.GreaterThanOrEqualTo(1), "REST requests to volume/create");
            // Tasks by kind and outcome, and their durations.
            Assert.That(Moved(controllerBefore, controller, "platform_tasks_started_total", ("kind", "volume.create")), Is.GreaterThanOrEqualTo(1), "volume.create started");
            Assert.That(Moved(controllerBefore, controller, "platform_tasks_finished_total", ("kind", "volume.create"), ("outcome", "succeeded")),
                Is.GreaterThanOrEqualTo(1), "volume.create succeeded");
            Assert.That(Moved(controllerBefore, controller, "platform_task_duration_seconds_count", ("kind", "volume.create")), Is.GreaterThanOrEqualTo(1), "volume.create timed");
            // gRPC calls on both sides.
            Assert.That(Moved(controllerBefore, controller, "platform_rpc_client_duration_seconds_count", ("rpc_method", CreateImage), ("rpc_grpc_status_code", "OK")),
                Is.GreaterThanOrEqualTo(1), "the controller's CreateImage calls");
            Assert.That(Moved(agentBefore, agent, "platform_rpc_server_duration_seconds_count", ("rpc_method", CreateImage), ("rpc_grpc_status_code", "OK")),
                Is.GreaterThanOrEqualTo(1), "the agent's CreateImage calls served");
            // The agent's command durations.
            Assert.That(Moved(agentBefore, agent, "platform_agent_operation_duration_seconds_count", ("command", "CreateImage"), ("rpc_grpc_status_code", "OK")),
                Is.GreaterThanOrEqualTo(1), "CreateImage executed");
            Assert.That(Moved(agentBefore, agent, "platform_agent_operation_duration_seconds_count", ("command", "RemoveImage"), ("rpc_grpc_status_code", "OK")),
                Is.GreaterThanOrEqualTo(1), "RemoveImage executed");
            Assert.That(Moved(agentBefore, agent, "platform_rpc_server_duration_seconds_count", ("rpc_method", RemoveImage)), Is.GreaterThanOrEqualTo(1), "RemoveImage served");
        });
    }

    [Test]
    public async Task A_scrape_right_after_a_request_counts_it()
    {
        // Back to back, well within the exporter's default 300 ms response cache, which would
        // serve the first scrape's numbers again.
        var before = await PrometheusText.ScrapeAsync(Http, Controller.RestUrl, Controller.Token);
        (await Api.GetAsync("/api/v1/volume/list")).Ok();
        var after = await PrometheusText.ScrapeAsync(Http, Controller.RestUrl, Controller.Token);

        Assert.That(Moved(before, after, "http_server_request_duration_seconds_count", ("http_route", "/api/v1/volume/list"), ("http_request_method", "GET")),
            Is.EqualTo(1), "the request between the two scrapes");
    }

    [Test]
    public async Task The_series_the_operators_dashboards_need_are_exported()
    {
        PrometheusText controller = null!;
        // The gauges are set by the task poll and the first reconciliation pass after the start.
        await Eventually.HoldsAsync(async () =>
        {
            controller = await PrometheusText.ScrapeAsync(Http, Controller.RestUrl, Controller.Token);
            return controller.Has("platform_reconciliation_drift_open") && controller.Has("platform_tasks_active") && controller.HasPrefix("db_client_connection");
        }, MetricsTimeout, "the controller exports drift and connection pool gauges");
        var agent = await PrometheusText.ScrapeAsync(Http, Agent.HttpUrl);

        Assert.Multiple(() =>
        {
            // One series per drift kind, open or not; no ids in labels.
            Assert.That(controller.Samples.Where(s => s.Name == "platform_reconciliation_drift_open").Select(s => s.Labels["kind"]),
                Does.Contain("domain_missing").And.Contain("rbd_volume_unknown"));
            Assert.That(controller.Sum("platform_tasks_active", ("kind", "volume.create"), ("state", "pending")), Is.Zero, "tasks by kind and state");
            foreach (var daemon in new[] { controller, agent })
            {
                Assert.That(daemon.HasPrefix("dotnet_gc_"), Is.True, "runtime metrics");
                Assert.That(daemon.HasPrefix("dotnet_process_cpu_time"), Is.True, "process metrics");
                Assert.That(daemon.Samples.SelectMany(s => s.Labels.Values).Where(v => v.StartsWith("vol-", StringComparison.Ordinal) || v.StartsWith("task-", StringComparison.Ordinal)),
                    Is.Empty, "no resource or task ids in labels");
            }
        });
    }

    [Test]
    public async Task Json_log_lines_carry_the_request_and_its_trace_id_into_the_agent()
    {
        var requestId = "obs-" + Guid.NewGuid().ToString("N")[..12];
        var created = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("logs"), volume_size = 1 }, requestId)).Ok();
        var volumeId = created.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));

        var request = await RequestLineAsync(requestId);
        // The token's id, as the token list shows it (plt_<id>_<secret>); never the token itself.
        var tokenId = "tok-" + Controller.Token["plt_".Length..].Split('_')[0];
        Assert.Multiple(() =>
        {
            Assert.That(request.GetProperty("Method").GetString(), Is.EqualTo("POST"));
            Assert.That(request.GetProperty("Path").GetString(), Is.EqualTo("/api/v1/volume/create"));
            Assert.That(request.GetProperty("StatusCode").GetInt32(), Is.EqualTo(200));
            Assert.That(request.GetProperty("ElapsedMs").GetDouble(), Is.GreaterThan(0));
            Assert.That(request.GetProperty("Caller").GetString(), Is.EqualTo("127.0.0.1"));
            Assert.That(request.GetProperty("Principal").GetString(), Is.EqualTo($"{ControllerProcess.AdminName} (token {tokenId})"));
            Assert.That(request.GetProperty("@tr").GetString(), Does.Match("^[0-9a-f]{32}$"));
            Assert.That(request.GetProperty("TraceId").GetString(), Is.EqualTo(request.GetProperty("@tr").GetString()));
        });
        var traceId = request.GetProperty("@tr").GetString()!;

        // The agent served the task's CreateImage in the same trace.
        JsonElement served = default;
        await Eventually.HoldsAsync(() =>
        {
            served = JsonLines(Agent.Output, "agent", strict: false).FirstOrDefault(l =>
                l.TryGetProperty("Method", out var method) && method.GetString() == CreateImage
                && l.TryGetProperty("TraceId", out var trace) && trace.GetString() == traceId);
            return Task.FromResult(served.ValueKind == JsonValueKind.Object);
        }, MetricsTimeout, $"the agent's line for the CreateImage of trace {traceId}");
        Assert.That(served.GetProperty("@tr").GetString(), Is.EqualTo(traceId), "the agent's own activity continues the controller's trace");
        Assert.That(served.GetProperty("Status").GetString(), Is.EqualTo("OK"));

        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId })).Ok();
    }

    /// <summary>
    /// The request line names who called: a console session's user, and "anonymous" for a
    /// request without credentials (refused 401). No line carries a credential.
    /// </summary>
    [Test]
    public async Task The_request_line_names_a_sessions_user_an_anonymous_caller_and_no_credential()
    {
        var (session, _) = await ApiSignIn.SessionAsync(Controller.RestUrl, ControllerProcess.AdminName, Controller.AdminPassword);
        using (session)
        {
            var sessionRequest = "obs-" + Guid.NewGuid().ToString("N")[..12];
            using var listed = await SendAsync(session, "/api/v1/volume/list", sessionRequest);
            Assert.That((int)listed.StatusCode, Is.EqualTo(200));
            var anonymousRequest = "obs-" + Guid.NewGuid().ToString("N")[..12];
            using var anonymous = ApiSignIn.Client(Controller.RestUrl, token: null);
            using var refused = await SendAsync(anonymous, "/api/v1/volume/list", anonymousRequest);
            Assert.That((int)refused.StatusCode, Is.EqualTo(401));

            var sessionLine = await RequestLineAsync(sessionRequest);
            var anonymousLine = await RequestLineAsync(anonymousRequest);
            Assert.Multiple(() =>
            {
                Assert.That(sessionLine.GetProperty("Principal").GetString(), Is.EqualTo($"{ControllerProcess.AdminName} (session)"));
                Assert.That((anonymousLine.GetProperty("Principal").GetString(), anonymousLine.GetProperty("StatusCode").GetInt32()), Is.EqualTo(("anonymous", 401)));
                // Compared as flags: a failure must not print the secrets it looked for.
                Assert.That(Controller.Output.Contains(Controller.Token, StringComparison.Ordinal), Is.False, "the API token appears in the controller's output");
                Assert.That(Controller.Output.Contains(Controller.AdminPassword, StringComparison.Ordinal), Is.False, "the admin's password appears in the controller's output");
            });
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string requestId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(Platform.Common.Observability.RequestIds.Header, requestId);
        return await client.SendAsync(request);
    }

    /// <summary>The controller's JSON request line for <paramref name="requestId"/>, once it is written.</summary>
    private async Task<JsonElement> RequestLineAsync(string requestId)
    {
        JsonElement request = default;
        await Eventually.HoldsAsync(() =>
        {
            request = JsonLines(Controller.Output, "controller", strict: true).FirstOrDefault(l => l.TryGetProperty("CorrelationId", out var id) && id.GetString() == requestId);
            return Task.FromResult(request.ValueKind == JsonValueKind.Object);
        }, MetricsTimeout, $"the controller's request line for {requestId} among {string.Join("\n", Controller.Output.Split('\n').Where(l => l.Contains("RequestLog", StringComparison.Ordinal)).TakeLast(5))}");
        return request;
    }

    private async Task<string> CreateAndDeleteVolumeAsync(string name)
    {
        var created = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = name, volume_size = 1 })).Ok();
        var volumeId = created.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        Assert.That(created.GetProperty("status").GetString(), Is.EqualTo("available"), created.ToString());
        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId })).Ok();
        Assert.That(await RbdImageExistsAsync("volumes", volumeId), Is.False);
        return volumeId;
    }

    private static double Moved(PrometheusText before, PrometheusText after, string name, params (string Name, string Value)[] labels) =>
        after.Sum(name, labels) - before.Sum(name, labels);

    /// <summary>
    /// The JSON lines a daemon printed. Strict: every line must be one (the controller's). The
    /// agent's native libraries (librados) may write to stderr themselves, so there only lines
    /// that look like JSON are read.
    /// </summary>
    private static List<JsonElement> JsonLines(string output, string daemon, bool strict)
    {
        var lines = new List<JsonElement>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!strict && !line.StartsWith('{'))
            {
                continue;
            }
            try
            {
                using var json = JsonDocument.Parse(line);
                Assert.That(json.RootElement.ValueKind, Is.EqualTo(JsonValueKind.Object), $"{daemon} line: {line}");
                lines.Add(json.RootElement.Clone());
            }
            catch (JsonException e)
            {
                Assert.Fail($"a {daemon} line is not JSON ({e.Message}): {line}");
            }
        }
        return lines;
    }
}

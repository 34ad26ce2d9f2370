using Grpc.Core;
using Platform.Contracts.Agent.V1;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Observability;

/// <summary>
/// The series an operator alerts on, each moved by a known cause: failed librbd and libvirt
/// calls, drift made behind the controller's back, the inventory's connection pool, and the
/// servers of both daemons (the agent's HTTP server, the controller's gRPC server).
/// </summary>
public sealed partial class ObservabilityTests
{
    private const string NativeErrors = "platform_agent_native_errors_total";
    private const string Heartbeat = "/platform.controller.v1.HostRegistry/Heartbeat";
    private const string GetImage = "/platform.agent.v1.RbdService/GetImage";
    private const string GetDomain = "/platform.agent.v1.DomainService/GetDomain";

    /// <summary>
    /// A lookup of an RBD image and of a libvirt domain that do not exist, asked of the agent
    /// over gRPC with the operator's certificate (read-only calls): each fails in its native
    /// library, which the agent counts by library. The two calls are HTTP/2 requests of the
    /// agent's HTTP server, which counts them too, by method.
    /// </summary>
    [Test]
    public async Task Failed_librbd_and_libvirt_calls_are_counted_by_library()
    {
        var before = await PrometheusText.ScrapeAsync(Http, Agent.HttpUrl);
        using var channels = new IdentityChannels(Certificates);
        var channel = channels.To(Agent.GrpcUrl, Certificates.Operator);
        var missing = "vol-" + Guid.NewGuid().ToString("N")[..8];

        var image = await Assert.ThrowsAsync<RpcException>(() =>
            new RbdService.RbdServiceClient(channel).GetImageAsync(new GetImageRequest { Pool = "volumes", Name = missing }).ResponseAsync);
        var domain = await Assert.ThrowsAsync<RpcException>(() =>
            new DomainService.DomainServiceClient(channel).GetDomainAsync(new GetDomainRequest { Name = missing }).ResponseAsync);
        Assert.That((image!.StatusCode, domain!.StatusCode), Is.EqualTo((StatusCode.NotFound, StatusCode.NotFound)), $"{image.Status.Detail} / {domain.Status.Detail}");

        PrometheusText after = null!;
        await Eventually.HoldsAsync(async () =>
        {
            after = await PrometheusText.ScrapeAsync(Http, Agent.HttpUrl);
            // The HTTP server records a request once its response has ended, which may be after the client read it.
            return Moved(before, after, NativeErrors, ("source", "rbd")) >= 1 && Moved(before, after, NativeErrors, ("source", "libvirt")) >= 1
                && Moved(before, after, "http_server_request_duration_seconds_count", ("http_route", GetDomain)) >= 1;
        }, MetricsTimeout, "the agent counted the failed rbd_open and virDomainLookupByName, and the calls");

        Assert.Multiple(() =>
        {
            Assert.That(Moved(before, after, NativeErrors, ("source", "rbd")), Is.GreaterThanOrEqualTo(1), "librbd errors");
            Assert.That(Moved(before, after, NativeErrors, ("source", "libvirt")), Is.GreaterThanOrEqualTo(1), "libvirt errors");
            Assert.That(Moved(before, after, "platform_rpc_server_duration_seconds_count", ("rpc_method", GetImage), ("rpc_grpc_status_code", "NotFound")),
                Is.GreaterThanOrEqualTo(1), "the agent's GetImage answered NotFound");
            Assert.That(Moved(before, after, "platform_rpc_server_duration_seconds_count", ("rpc_method", GetDomain), ("rpc_grpc_status_code", "NotFound")),
                Is.GreaterThanOrEqualTo(1), "the agent's GetDomain answered NotFound");
            // The agent's HTTP server: each gRPC call is an HTTP/2 POST routed by its method.
            Assert.That(Moved(before, after, "http_server_request_duration_seconds_count", ("http_route", GetImage), ("http_request_method", "POST")),
                Is.GreaterThanOrEqualTo(1), "the agent's HTTP server counted the GetImage call");
            Assert.That(Moved(before, after, "http_server_request_duration_seconds_count", ("http_route", GetDomain), ("http_request_method", "POST")),
                Is.GreaterThanOrEqualTo(1), "the agent's HTTP server counted the GetDomain call");
        });
    }

    [Test]
    public async Task The_agents_http_server_counts_its_health_checks_and_the_controllers_grpc_server_its_heartbeats()
    {
        var agentBefore = await PrometheusText.ScrapeAsync(Http, Agent.HttpUrl);
        var controllerBefore = await PrometheusText.ScrapeAsync(Http, Controller.RestUrl, Controller.Token);

        using (var health = await Http.GetAsync(new Uri(Agent.HttpUrl + "/healthz")))
        {
            Assert.That((int)health.StatusCode, Is.EqualTo(200), "the agent's /healthz");
        }

        // The fixture's agent heartbeats every second (Hosts:HeartbeatInterval).
        PrometheusText controller = null!;
        await Eventually.HoldsAsync(async () =>
        {
            controller = await PrometheusText.ScrapeAsync(Http, Controller.RestUrl, Controller.Token);
            return Moved(controllerBefore, controller, "platform_rpc_server_duration_seconds_count", ("rpc_method", Heartbeat), ("rpc_grpc_status_code", "OK")) >= 1;
        }, MetricsTimeout, "the controller's gRPC server counted a heartbeat");
        var agent = await PrometheusText.ScrapeAsync(Http, Agent.HttpUrl);

        Assert.Multiple(() =>
        {
            Assert.That(Moved(agentBefore, agent, "http_server_request_duration_seconds_count", ("http_route", "/healthz"), ("http_request_method", "GET"), ("http_response_status_code", "200")),
                Is.GreaterThanOrEqualTo(1), "the agent's HTTP server counted /healthz");
            Assert.That(Moved(controllerBefore, controller, "platform_rpc_server_duration_seconds_count", ("rpc_method", Heartbeat), ("rpc_grpc_status_code", "OK")),
                Is.GreaterThanOrEqualTo(1), "heartbeats served");
            // The agent's side of the same calls.
            Assert.That(agent.Sum("platform_rpc_client_duration_seconds_count", ("rpc_method", Heartbeat), ("rpc_grpc_status_code", "OK")), Is.GreaterThanOrEqualTo(1), "heartbeats made");
        });
    }

    /// <summary>
    /// An instance on this fixture's host that no libvirtd has (a row written with SQL, as if its
    /// domain had been undefined behind the controller's back): the next pass opens
    /// domain_missing drift and the gauge rises by exactly one; once the row is gone, the drift is
    /// resolved and the gauge comes back. The inventory is the fixture's own, so no other test's
    /// drift counts here.
    /// </summary>
    [Test]
    public async Task Drift_made_behind_the_controllers_back_moves_the_open_drift_gauge_up_and_back()
    {
        const string kind = "domain_missing";
        var before = (await ScrapeControllerWithAsync("platform_reconciliation_drift_open")).Sum("platform_reconciliation_drift_open", ("kind", kind));

        var instanceId = await InsertInstanceAsync("running");
        var imageId = await ScalarAsync<string>("SELECT image_id FROM instances WHERE instance_id = @id", ("id", instanceId));
        var removed = false;
        async Task RemoveRowsAsync()
        {
            if (!removed)
            {
                removed = true;
                await ExecuteAsync("DELETE FROM instances WHERE instance_id = @id", ("id", instanceId));
                await ExecuteAsync("DELETE FROM images WHERE image_id = @id", ("id", imageId!));
            }
        }
        OnCleanUp(RemoveRowsAsync);

        await Eventually.HoldsAsync(async () =>
            (await ScrapeControllerWithAsync("platform_reconciliation_drift_open")).Sum("platform_reconciliation_drift_open", ("kind", kind)) == before + 1,
            MetricsTimeout, $"open {kind} drift went from {before} to {before + 1}");
        Assert.That(await DriftKindsAsync(instanceId, includeResolved: false), Does.Contain(kind), "the drift the gauge counts");

        await RemoveRowsAsync();
        await Eventually.HoldsAsync(async () =>
            (await ScrapeControllerWithAsync("platform_reconciliation_drift_open")).Sum("platform_reconciliation_drift_open", ("kind", kind)) == before,
            MetricsTimeout, $"open {kind} drift back to {before} once the instance is gone");
    }

    /// <summary>Inventory queries of REST requests go through Npgsql's pool, whose operations and connections are exported.</summary>
    [Test]
    public async Task The_inventory_pool_series_count_the_queries_of_requests()
    {
        const string operations = "db_client_operation_duration_seconds_count";
        var before = await PrometheusText.ScrapeAsync(Http, Controller.RestUrl, Controller.Token);
        const int requests = 3;
        for (var i = 0; i < requests; i++)
        {
            (await Api.GetAsync("/api/v1/volume/list")).Ok();
        }
        var after = await PrometheusText.ScrapeAsync(Http, Controller.RestUrl, Controller.Token);
        var npgsql = string.Join("\n", after.Samples.Where(s => s.Name.StartsWith("db_client_", StringComparison.Ordinal) && !s.Name.EndsWith("_bucket", StringComparison.Ordinal))
            .Select(s => $"{s.Name}{{{string.Join(",", s.Labels.Select(l => $"{l.Key}={l.Value}"))}}} {s.Value}"));

        Assert.Multiple(() =>
        {
            // Each list reads its page and its total: at least one query a request.
            Assert.That(Moved(before, after, operations), Is.GreaterThanOrEqualTo(requests), $"database operations timed; the pool's series:\n{npgsql}");
            Assert.That(after.Sum("db_client_connection_count"), Is.GreaterThan(0), $"connections the pool holds (idle and used); the pool's series:\n{npgsql}");
            Assert.That(after.Sum("db_client_connection_max"), Is.GreaterThan(0), "the pool's limit");
        });
    }

    /// <summary>The controller's metrics once <paramref name="series"/> is among them (gauges appear with the first pass).</summary>
    private async Task<PrometheusText> ScrapeControllerWithAsync(string series)
    {
        PrometheusText scraped = null!;
        await Eventually.HoldsAsync(async () =>
        {
            scraped = await PrometheusText.ScrapeAsync(Http, Controller.RestUrl, Controller.Token);
            return scraped.Has(series);
        }, MetricsTimeout, $"the controller exports {series}");
        return scraped;
    }
}

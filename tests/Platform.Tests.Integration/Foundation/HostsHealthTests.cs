using System.Net;
using System.Text.Json;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Foundation;

/// <summary>The agent and the controller the environment started, and what their health reports mean.</summary>
public class HostsHealthTests
{
    private static readonly HttpClient Http = new(TrustedTestAuthorities.Handler()) { Timeout = TimeSpan.FromSeconds(10) };

    // The environment's controller serves HTTPS with its certificate of the environment's CA.
    [OneTimeSetUp]
    public void TrustTheEnvironmentsAuthority() => TrustedTestAuthorities.Add(TestEnvironment.Require("hosts")["PLATFORM_TLS_CA"]);

    [Test]
    public async Task Controller_is_healthy_and_has_reached_postgres()
    {
        var url = TestEnvironment.Require("hosts")["PLATFORM_CONTROLLER_URL"];

        var report = await HealthAsync(url);

        Assert.Multiple(() =>
        {
            Assert.That(report.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(report.Status, Is.EqualTo("Healthy"));
            Assert.That(report.Component, Is.EqualTo("controller"));
            Assert.That(report.Checks, Does.ContainKey("postgres").WithValue("Healthy"));
        });
    }

    [Test]
    public async Task Agent_is_healthy_and_has_reached_libvirtd_and_ceph()
    {
        var url = TestEnvironment.Require("hosts")["PLATFORM_AGENT_URL"];

        var report = await HealthAsync(url);

        Assert.Multiple(() =>
        {
            Assert.That(report.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(report.Component, Is.EqualTo("agent"));
            Assert.That(report.Checks, Does.ContainKey("libvirt").WithValue("Healthy"));
            Assert.That(report.Checks, Does.ContainKey("ceph").WithValue("Healthy"));
        });
    }

    [Test]
    public async Task The_environments_agent_has_registered_its_host_with_the_controller()
    {
        var environment = TestEnvironment.Require("hosts");
        var url = environment["PLATFORM_CONTROLLER_URL"];
        // The token the environment's start made for its platformctl, signing in as the first admin.
        using var settings = JsonDocument.Parse(await File.ReadAllTextAsync(environment["PLATFORM_CLI_CONFIG"]));
        var token = settings.RootElement.GetProperty("token").GetString();

        var hosts = await Eventually.HoldsAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{url}/api/v1/hosts/list"));
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await Http.SendAsync(request);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.GetProperty("data").GetProperty("items").EnumerateArray()
                .Any(h => h.GetProperty("status").GetString() == "up" && h.GetProperty("grpc_endpoint").GetString() == TestEnvironment.Require("hosts")["PLATFORM_AGENT_GRPC"]);
        }, TimeSpan.FromSeconds(30), "the environment's agent listed as an up host");
        TestContext.Out.WriteLine($"registered within {hosts.TotalMilliseconds:0} ms of the first look");
    }

    [Test]
    public async Task Agent_without_its_services_reports_503_and_stops_cleanly_on_sigterm()
    {
        // A private agent whose libvirt socket and ceph.conf point at nothing.
        await using var agent = await AgentProcess.StartAsync();

        var report = await HealthAsync(agent.HttpUrl);
        Assert.Multiple(() =>
        {
            Assert.That(report.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(report.Status, Is.EqualTo("Unhealthy"));
            Assert.That(report.Checks, Does.ContainKey("libvirt").WithValue("Unhealthy"));
            Assert.That(report.Checks, Does.ContainKey("ceph").WithValue("Unhealthy"));
        });

        Assert.That(await agent.StopAsync(), Is.Zero, () => $"exit code after SIGTERM; output: {agent.Output}");
    }

    private sealed record HealthReport(HttpStatusCode StatusCode, string Status, string Component, Dictionary<string, string> Checks);

    private static async Task<HealthReport> HealthAsync(string baseUrl) =>
        await TryHealthAsync(baseUrl) ?? throw new AssertionException($"{baseUrl}/healthz did not answer");

    private static async Task<HealthReport?> TryHealthAsync(string baseUrl)
    {
        HttpResponseMessage response;
        try
        {
            response = await Http.GetAsync(new Uri($"{baseUrl}/healthz"));
        }
        catch (HttpRequestException)
        {
            return null;
        }
        using (response)
        {
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = json.RootElement;
            return new HealthReport(
                response.StatusCode,
                root.GetProperty("status").GetString()!,
                root.GetProperty("component").GetString()!,
                root.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString()!));
        }
    }
}

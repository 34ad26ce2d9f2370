using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Foundation;

/// <summary>The agent and the controller the environment started, and what their health reports mean.</summary>
public class HostsHealthTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

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
    public async Task Agent_without_its_services_reports_503_and_stops_cleanly_on_sigterm()
    {
        var agentDll = TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "agent", "Platform.Agent.dll"), "the published agent");
        var port = FreeLoopbackPort();
        var configDirectory = Directory.CreateTempSubdirectory("platform-agent-").FullName;
        var startInfo = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        startInfo.ArgumentList.Add(agentDll);
        startInfo.Environment["PLATFORM_CONFIG_DIR"] = configDirectory;
        startInfo.Environment["PLATFORM_Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{port}";
        startInfo.Environment["PLATFORM_Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{FreeLoopbackPort()}";
        startInfo.Environment["PLATFORM_Transfer__Directory"] = $"{configDirectory}/transfer";
        startInfo.Environment["PLATFORM_Compute__LibvirtUri"] = $"qemu:///system?socket={configDirectory}/no-libvirtd";
        startInfo.Environment["PLATFORM_Storage__CephConf"] = $"{configDirectory}/no-ceph.conf";

        using var agent = Process.Start(startInfo)!;
        var output = agent.StandardOutput.ReadToEndAsync();
        var errors = agent.StandardError.ReadToEndAsync();
        try
        {
            HealthReport? report = null;
            await Eventually.HoldsAsync(async () =>
            {
                Assert.That(agent.HasExited, Is.False, () => $"agent exited: {errors.Result}");
                report = await TryHealthAsync($"http://127.0.0.1:{port}");
                return report is not null;
            }, TimeSpan.FromSeconds(30), "agent answering /healthz");

            Assert.Multiple(() =>
            {
                Assert.That(report!.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(report.Status, Is.EqualTo("Unhealthy"));
                Assert.That(report.Checks, Does.ContainKey("libvirt").WithValue("Unhealthy"));
                Assert.That(report.Checks, Does.ContainKey("ceph").WithValue("Unhealthy"));
            });

            Signals.Terminate(agent.Id);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await agent.WaitForExitAsync(deadline.Token);
            Assert.That(agent.ExitCode, Is.Zero, () => $"agent exit code after SIGTERM; output: {output.Result}");
        }
        finally
        {
            if (!agent.HasExited)
            {
                agent.Kill();
            }
            Directory.Delete(configDirectory, recursive: true);
        }
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

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

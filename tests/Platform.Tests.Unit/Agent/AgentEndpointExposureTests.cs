using Microsoft.Extensions.Configuration;
using Platform.Agent.Grpc;
using Platform.Common.Hosting;

namespace Platform.Tests.Unit.Agent;

/// <summary>The agent's gRPC off this machine only behind mutual TLS; h2c and TLS without a client CA on loopback only.</summary>
public class AgentEndpointExposureTests
{
    [TestCase("http://127.0.0.1:17050", false)]
    [TestCase("http://localhost:17050", false)]
    [TestCase("http://[::1]:17050", false)]
    [TestCase("https://127.0.0.1:17050", false)]
    [TestCase("https://0.0.0.0:17050", true)]
    [TestCase("https://10.0.0.5:17050", true)]
    public void Allowed_exposures_pass(string url, bool clientAuthority) =>
        Assert.That(Problems(clientAuthority, ("Kestrel:Endpoints:Grpc:Url", url), ("Kestrel:Endpoints:Grpc:Protocols", "Http2")), Is.Empty);

    [TestCase("http://0.0.0.0:17050", false)]
    [TestCase("http://0.0.0.0:17050", true)]
    [TestCase("http://*:17050", true)]
    [TestCase("http://10.0.0.5:17050", true)]
    [TestCase("http://agent.example.com:17050", true)]
    public void Plain_http_gRPC_off_this_machine_is_refused_whatever_the_client_authority(string url, bool clientAuthority) =>
        Assert.That(Problems(clientAuthority, ("Kestrel:Endpoints:Grpc:Url", url), ("Kestrel:Endpoints:Grpc:Protocols", "Http2")), Is.EqualTo(new[]
        {
            $"Kestrel:Endpoints:Grpc:Url is {url}: the agent's gRPC over plain http (h2c, no authentication) only on a loopback address (127.0.0.1, [::1], localhost); elsewhere use https:// with a certificate and Grpc:ClientCertificateAuthority (mutual TLS)",
        }));

    [TestCase("https://0.0.0.0:17050")]
    [TestCase("https://[::]:17050")]
    public void Tls_off_this_machine_without_a_client_authority_is_refused(string url) =>
        Assert.That(Problems(false, ("Kestrel:Endpoints:Grpc:Url", url)), Is.EqualTo(new[]
        {
            $"Kestrel:Endpoints:Grpc:Url is {url}, off this machine, so Grpc:ClientCertificateAuthority must be set: without it anyone who reaches the endpoint may command the agent",
        }));

    [Test]
    public void Every_endpoint_that_can_carry_gRPC_is_checked_not_only_the_one_named_Grpc()
    {
        var problems = Problems(false,
            ("Kestrel:Endpoints:Grpc:Url", "http://127.0.0.1:17050"),
            ("Kestrel:Endpoints:Other:Url", "https://0.0.0.0:17052"),
            ("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:17051"),
            ("Kestrel:Endpoints:Http:Protocols", "Http1"));
        Assert.That(problems, Has.Count.EqualTo(1).And.Some.StartsWith("Kestrel:Endpoints:Other:Url is https://0.0.0.0:17052, off this machine"));
    }

    [Test]
    public void The_packaged_configuration_passes()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(StartupValidation.Repository, "agent", "Platform.Agent", "appsettings.json"), optional: false)
            .AddJsonFile(Path.Combine(StartupValidation.Repository, "packaging", "deb", "platform-agent", "agent.json"), optional: false)
            .Build();
        var clientAuthority = !string.IsNullOrWhiteSpace(configuration["Grpc:ClientCertificateAuthority"]);
        Assert.Multiple(() =>
        {
            Assert.That(AgentEndpointExposure.Problems(configuration, clientAuthority), Is.Empty);
            Assert.That(KestrelEndpointSettings.Problems(configuration), Is.Empty);
        });
    }

    private static IReadOnlyList<string> Problems(bool clientAuthority, params (string Key, string Value)[] settings) =>
        AgentEndpointExposure.Problems(
            new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build(),
            clientAuthority);
}

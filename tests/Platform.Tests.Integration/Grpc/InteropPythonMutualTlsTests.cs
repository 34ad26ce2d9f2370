using System.Security.Cryptography;

namespace Platform.Tests.Integration.Grpc;

/// <summary>
/// grpcio (BoringSSL) against a private agent that serves TLS and requires a client
/// certificate chaining to the platform CA (Grpc:ClientCertificateAuthority).
/// </summary>
public class InteropPythonMutualTlsTests
{
    private TestCertificates? _certificates;
    private AgentProcess? _agent;

    private TestCertificates Certificates => _certificates ?? throw new InvalidOperationException("no certificates");

    private AgentProcess Agent => _agent ?? throw new InvalidOperationException("no agent");

    [OneTimeSetUp]
    public async Task StartTlsAgent()
    {
        await InteropPeers.RequirePythonAsync();
        _certificates = TestCertificates.Create();
        _agent = await AgentProcess.StartAsync(new AgentProcessOptions
        {
            ServerCertificate = _certificates.Server,
            ClientCertificateAuthority = _certificates.Authority.CertificatePath,
        });
    }

    [OneTimeTearDown]
    public async Task StopTlsAgent()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
        _certificates?.Dispose();
    }

    [Test]
    public async Task Python_grpcio_client_with_a_platform_ca_certificate_calls_the_agent_over_mutual_tls()
    {
        var upload = Path.Combine(Certificates.Directory, $"upload-{Guid.NewGuid():N}.bin");
        var download = upload + ".back";
        var bytes = RandomNumberGenerator.GetBytes(1024 * 1024 + 77);
        await File.WriteAllBytesAsync(upload, bytes);

        var observations = await InteropPeers.RunPythonClientAsync(
            "--target", Agent.GrpcUrl, "--ca", Certificates.Authority.CertificatePath,
            "--cert", Certificates.Client.CertificatePath, "--key", Certificates.Client.KeyPath,
            "--name", $"interop-tls-{Guid.NewGuid():N}.bin", "--file", upload, "--out", download,
            "agent_info", "upload", "download");

        Assert.That(Agent.GrpcUrl, Does.StartWith("https://"));
        Assert.Multiple(() =>
        {
            foreach (var observation in observations)
            {
                Assert.That(observation.Text("code"), Is.EqualTo("OK"), () => observation.ToString());
            }
            Assert.That(observations[0].GetProperty("response").Strings("contract_versions"), Does.Contain("platform.agent.v1"));
        });
        Assert.That(InteropPeers.Difference(await File.ReadAllBytesAsync(download), bytes), Is.EqualTo("equal"), "what grpcio downloaded over mutual TLS");
    }

    [Test]
    public async Task Python_grpcio_client_without_a_client_certificate_is_refused()
    {
        var seen = await InteropPeers.RunPythonScenarioAsync(
            "agent_info", "--target", Agent.GrpcUrl, "--ca", Certificates.Authority.CertificatePath, "--deadline-ms", "5000");

        Assert.Multiple(() =>
        {
            Assert.That(seen.Text("code"), Is.EqualTo("UNAVAILABLE"), () => seen.ToString());
            Assert.That(seen.TryGetProperty("response", out _), Is.False, "no answer without a client certificate");
        });
        Assert.That(await Agent.AnswersHealthAsync(), Is.True, () => $"the agent survives the refused handshake: {Agent.Output}");
    }

    [Test]
    public async Task Python_grpcio_client_with_a_certificate_from_another_ca_is_refused()
    {
        var seen = await InteropPeers.RunPythonScenarioAsync(
            "agent_info", "--target", Agent.GrpcUrl, "--ca", Certificates.Authority.CertificatePath,
            "--cert", Certificates.ForeignClient.CertificatePath, "--key", Certificates.ForeignClient.KeyPath, "--deadline-ms", "5000");

        Assert.Multiple(() =>
        {
            Assert.That(seen.Text("code"), Is.EqualTo("UNAVAILABLE"), () => seen.ToString());
            Assert.That(seen.TryGetProperty("response", out _), Is.False, "no answer with a foreign client certificate");
        });
    }

    [Test]
    public async Task Python_grpcio_client_that_trusts_another_ca_refuses_the_agent_certificate()
    {
        var seen = await InteropPeers.RunPythonScenarioAsync(
            "agent_info", "--target", Agent.GrpcUrl, "--ca", Certificates.ForeignAuthority.CertificatePath,
            "--cert", Certificates.Client.CertificatePath, "--key", Certificates.Client.KeyPath, "--deadline-ms", "5000");

        Assert.Multiple(() =>
        {
            Assert.That(seen.Text("code"), Is.EqualTo("UNAVAILABLE"), () => seen.ToString());
            Assert.That(seen.TryGetProperty("response", out _), Is.False);
        });
    }
}

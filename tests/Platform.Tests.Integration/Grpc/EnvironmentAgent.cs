using System.Net.Security;
using Grpc.Net.Client;
using Platform.Rpc.Client;
using Platform.Rpc.Tls;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Grpc;

/// <summary>
/// The agent the environment's hosts component runs. It serves gRPC over mutual TLS only and
/// takes commands (uploads, image changes) from the controller's identity only, so every client
/// here presents the controller's certificate from the environment's PKI (next to the CA
/// hosts.sh publishes) and pins the platform CA, as the controller does.
/// </summary>
internal sealed record EnvironmentAgent(Uri GrpcUrl, string CertificateAuthority, PemFiles ClientCertificate)
{
    public static EnvironmentAgent Require()
    {
        var hosts = TestEnvironment.Require("hosts");
        var pki = Path.GetDirectoryName(hosts["PLATFORM_TLS_CA"])!;
        return new EnvironmentAgent(
            new Uri(hosts["PLATFORM_AGENT_GRPC"]),
            hosts["PLATFORM_TLS_CA"],
            new PemFiles(Path.Combine(pki, "controller.crt"), Path.Combine(pki, "controller.key")));
    }

    /// <summary>https://127.0.0.1:PORT, without the trailing slash the peers would take for a path.</summary>
    public string Target => GrpcUrl.GetLeftPart(UriPartial.Authority);

    /// <summary><c>--target</c> (this agent, or a relay in front of it) and the certificates, as the Python and Node peers take them.</summary>
    public string[] PeerArguments(string? target = null) =>
        ["--target", target ?? Target, "--ca", CertificateAuthority, "--cert", ClientCertificate.CertificatePath, "--key", ClientCertificate.KeyPath];

    /// <summary>A channel as the controller opens one: its certificate, the platform CA pinned.</summary>
    public GrpcChannel CreateChannel() => PlatformChannel.ForAddress(GrpcUrl.ToString(), new PlatformChannelOptions { Tls = Credentials.Value });

    // One load for every channel of the run (loaded the way the daemons load Agents:Tls); never disposed.
    private Lazy<ClientTlsCredentials> Credentials { get; } = new(() => new GrpcClientTlsOptions
    {
        CertificateAuthority = CertificateAuthority,
        CertificatePath = ClientCertificate.CertificatePath,
        KeyPath = ClientCertificate.KeyPath,
    }.LoadCredentials()!);

    /// <summary>TLS settings for a hand-made HTTP/2 client: the controller's certificate, the platform CA pinned.</summary>
    public SslClientAuthenticationOptions SslOptions()
    {
        var authority = PinnedCertificateAuthority.FromPemFile(CertificateAuthority);
        return new SslClientAuthenticationOptions
        {
            ClientCertificates = [ClientCertificate.Load()],
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                authority.Validates(certificate as System.Security.Cryptography.X509Certificates.X509Certificate2, errors, PinnedCertificateAuthority.ServerAuthentication),
        };
    }
}

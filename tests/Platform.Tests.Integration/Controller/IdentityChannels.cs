using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Platform.Rpc.Client;
using Platform.Rpc.Identity;
using Platform.Rpc.Tls;
using Platform.Tests.Integration.Grpc;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// gRPC channels presenting a chosen certificate of the fixture's PKI, as a peer holding it
/// would open them (the platform CA pinned), and a bare TLS handshake to see which certificate
/// a daemon serves right now.
/// </summary>
internal sealed class IdentityChannels(PlatformCertificates certificates) : IDisposable
{
    private readonly List<GrpcChannel> _channels = [];
    private readonly List<ClientTlsCredentials> _credentials = [];

    /// <summary>
    /// A channel to <paramref name="url"/> presenting <paramref name="client"/>; with
    /// <paramref name="expectedServer"/>, it checks the server's identity as the daemons' clients do.
    /// </summary>
    public GrpcChannel To(string url, PemFiles client, PlatformIdentity? expectedServer = null)
    {
        var credentials = new ClientTlsCredentials(PinnedCertificateAuthority.FromPemFile(certificates.AuthorityPath), client.Load());
        var channel = PlatformChannel.ForAddress(url, new PlatformChannelOptions { Tls = credentials, ServerIdentity = expectedServer });
        _credentials.Add(credentials);
        _channels.Add(channel);
        return channel;
    }

    /// <summary>
    /// The serial number of the certificate the daemon at <paramref name="url"/> presents on a new
    /// connection (mutual TLS with <paramref name="client"/>), negotiating <paramref name="protocol"/> (HTTP/2 unless said).
    /// </summary>
    public async Task<string> ServedSerialAsync(string url, PemFiles client, SslApplicationProtocol? protocol = null)
    {
        var uri = new Uri(url);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        await using var tls = new SslStream(tcp.GetStream());
        using var certificate = client.Load();
        var authority = PinnedCertificateAuthority.FromPemFile(certificates.AuthorityPath);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = uri.Host,
            ClientCertificates = [certificate],
            ApplicationProtocols = [protocol ?? SslApplicationProtocol.Http2],
            RemoteCertificateValidationCallback = (_, served, _, errors) =>
                authority.Validates(served as X509Certificate2, errors, PinnedCertificateAuthority.ServerAuthentication),
        });
        return tls.RemoteCertificate!.GetSerialNumberString();
    }

    public void Dispose()
    {
        _channels.ForEach(channel => channel.Dispose());
        _credentials.ForEach(credentials => credentials.Dispose());
    }
}

using System.Net.Security;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Platform.Rpc.Tls;

public static class ClientCertificates
{
    /// <summary>
    /// Mutual TLS on an HTTPS endpoint: the handshake fails unless the client presents a
    /// certificate that chains to <paramref name="authority"/>; the system trust store plays no part.
    /// </summary>
    public static HttpsConnectionAdapterOptions RequireClientCertificateFrom(this HttpsConnectionAdapterOptions https, PinnedCertificateAuthority authority)
    {
        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        // Chain errors are what the system store thinks of our private CA; the pinned CA decides instead.
        https.ClientCertificateValidation = (certificate, _, errors) =>
            authority.Validates(certificate, errors & ~SslPolicyErrors.RemoteCertificateChainErrors, PinnedCertificateAuthority.ClientAuthentication);
        return https;
    }
}

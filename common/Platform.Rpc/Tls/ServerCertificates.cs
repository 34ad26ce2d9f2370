using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Rpc.Tls;

public static class ServerCertificates
{
    /// <summary>
    /// The PEM certificate and key that Kestrel:Endpoints:<paramref name="endpoint"/>:Certificate
    /// names (Path and KeyPath), loaded now and re-read when the files change; null when the
    /// endpoint names none in that form (Kestrel's own loading then stands).
    /// </summary>
    public static ReloadingCertificate? FromEndpointConfiguration(IConfiguration configuration, string endpoint)
    {
        var section = configuration.GetSection($"Kestrel:Endpoints:{endpoint}:Certificate");
        var path = section["Path"];
        var keyPath = section["KeyPath"];
        return string.IsNullOrWhiteSpace(path) || string.IsNullOrWhiteSpace(keyPath) ? null : new ReloadingCertificate(path, keyPath);
    }

    /// <summary>
    /// The endpoint presents <paramref name="certificate"/>'s current certificate on every new
    /// connection, so a certificate renewed on disk is served without a restart.
    /// </summary>
    public static HttpsConnectionAdapterOptions ServeReloading(this HttpsConnectionAdapterOptions https, ReloadingCertificate certificate, KestrelServerOptions kestrel)
    {
        certificate.Logger = kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ReloadingCertificate).FullName!);
        // The selector is asked per handshake; the fixed certificate Kestrel loaded from configuration would win over nothing.
        https.ServerCertificate = null;
        https.ServerCertificateChain = null;
        https.ServerCertificateSelector = (_, _) => certificate.Current;
        return https;
    }
}

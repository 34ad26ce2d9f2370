using System.Security.Cryptography;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Common.Hosting;

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
        if (string.IsNullOrWhiteSpace(path) || string.IsNullOrWhiteSpace(keyPath))
        {
            return null;
        }
        try
        {
            return new ReloadingCertificate(path, keyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // A setting that is wrong, not a bug: the daemon stops with EX_CONFIG and the reason.
            throw new StartupFailureException($"Kestrel:Endpoints:{endpoint}:Certificate ({path}, {keyPath}) does not load: {e.Message}",
                StartupFailure.ConfigurationExitCode, e);
        }
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

using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Platform.Cli.Configuration;

/// <summary>
/// TLS towards the platform: trust the platform CA (only it, when given) and present the
/// operator's certificate. Without settings, the installed PKI (/etc/platform/pki) is used when readable.
/// </summary>
internal static class Tls
{
    public const string InstalledPki = "/etc/platform/pki";

    public static string? AuthorityPath(CliSettings settings) => settings.CertificateAuthority ?? Installed("ca.crt");

    public static (string Certificate, string Key)? ClientCertificatePaths(CliSettings settings) =>
        settings.Certificate is { } cert
            ? (cert, settings.Key ?? Path.ChangeExtension(cert, ".key"))
            : Installed("admin.crt") is { } installed && Installed("admin.key") is { } key ? (installed, key) : null;

    private static string? Installed(string name)
    {
        var path = Path.Combine(InstalledPki, name);
        return File.Exists(path) ? path : null;
    }

    /// <summary>A handler for HTTP/1.1 and HTTP/2 with the platform's TLS settings.</summary>
    public static SocketsHttpHandler Handler(CliSettings settings)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(10) };
        if (ClientCertificatePaths(settings) is { } client)
        {
            // Re-exported: a key made from PEM alone is ephemeral, which TLS on some platforms refuses.
            using var pem = X509Certificate2.CreateFromPemFile(client.Certificate, client.Key);
            handler.SslOptions.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
        }
        if (AuthorityPath(settings) is { } authorityPath)
        {
            var authority = X509CertificateLoader.LoadCertificateFromFile(authorityPath);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is X509Certificate2 presented && ChainsTo(presented, authority, errors);
        }
        return handler;
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 authority, SslPolicyErrors errors)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}

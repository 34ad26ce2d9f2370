using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// The platform CAs the tests made (or the environment's): HTTPS clients of the controllers the
/// tests start trust a server certificate that chains to one of them and names the host asked
/// for, as a client given the platform CA would; nothing else.
/// </summary>
internal static class TrustedTestAuthorities
{
    private static readonly ConcurrentDictionary<string, X509Certificate2> Authorities = new(StringComparer.Ordinal);

    public static void Add(string pemPath) =>
        Authorities.GetOrAdd(Path.GetFullPath(pemPath), path => X509CertificateLoader.LoadCertificateFromFile(path));

    /// <summary>A handler for one client (its own connections and cookies).</summary>
    public static SocketsHttpHandler Handler(System.Net.CookieContainer? cookies = null)
    {
        var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = Validate } };
        if (cookies is not null)
        {
            handler.CookieContainer = cookies;
        }
        else
        {
            handler.UseCookies = false;
        }
        return handler;
    }

    public static bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(Authorities.Values.ToArray());
        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}

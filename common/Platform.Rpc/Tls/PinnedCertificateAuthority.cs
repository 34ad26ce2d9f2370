using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Platform.Common.Hosting;

namespace Platform.Rpc.Tls;

/// <summary>
/// One CA that peers' certificates must chain to, and nothing else: the system trust store
/// plays no part. Used for the server's certificate on the client side and for client
/// certificates (mutual TLS) on the server side.
/// </summary>
public sealed class PinnedCertificateAuthority(X509Certificate2 authority)
{
    public X509Certificate2 Certificate { get; } = authority ?? throw new ArgumentNullException(nameof(authority));

    public static PinnedCertificateAuthority FromPemFile(string path) =>
        new(X509CertificateLoader.LoadCertificate(System.Text.Encoding.ASCII.GetBytes(File.ReadAllText(path))));

    /// <summary>
    /// The CA in the PEM file that setting <paramref name="key"/> names; a file that is missing,
    /// unreadable or no certificate is a setting to fix: <see cref="StartupFailureException"/>
    /// (EX_CONFIG) naming the key and the file, not a stack trace.
    /// </summary>
    public static PinnedCertificateAuthority FromSetting(string key, string path)
    {
        try
        {
            return FromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new StartupFailureException($"{key} ({path}) does not load as a PEM certificate: {e.Message}", StartupFailure.ConfigurationExitCode, e);
        }
    }

    /// <summary>TLS web server authentication: what a server's certificate must be issued for.</summary>
    public static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    /// <summary>TLS web client authentication: what a client's certificate must be issued for.</summary>
    public static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    /// <summary>
    /// True when <paramref name="certificate"/> chains to the pinned CA, names its uses
    /// (extendedKeyUsage) and is issued for <paramref name="purpose"/>: an operator's client-only
    /// certificate from the same CA must not pass as a server (revocation is not checked).
    /// </summary>
    public bool Validates(X509Certificate2? certificate, SslPolicyErrors errors, Oid purpose)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }
        // X509Chain takes a leaf that names no uses as fit for every use; the platform issues none such.
        if (!NamesItsUses(certificate))
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(purpose);
        return chain.Build(certificate);
    }

    /// <summary>True when the leaf carries an extendedKeyUsage extension.</summary>
    public static bool NamesItsUses(X509Certificate2 certificate) =>
        certificate.Extensions.Any(extension => extension.Oid?.Value == ExtendedKeyUsageOid);

    private const string ExtendedKeyUsageOid = "2.5.29.37";
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Platform.Rpc.Tls;

/// <summary>
/// A client's side of (mutual) TLS as configuration holds it: PEM files of the CA the server
/// must chain to, and of this client's own certificate and key. Nothing set means h2c; the CA
/// alone means TLS with that CA pinned; all three mean mutual TLS.
/// </summary>
public sealed class GrpcClientTlsOptions
{
    /// <summary>PEM file of the CA the server's certificate must chain to (only it is trusted).</summary>
    public string? CertificateAuthority { get; set; }

    /// <summary>PEM file of this client's certificate, presented to servers that ask for one.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM file (PKCS#8 or PKCS#1/SEC1) of the key of <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    public bool Enabled => Set(CertificateAuthority) || Set(CertificatePath) || Set(KeyPath);

    /// <summary>
    /// What is wrong with the settings under <paramref name="section"/>, all at once; empty when
    /// they are absent or complete and every file loads.
    /// </summary>
    public IReadOnlyList<string> Problems(string section)
    {
        var problems = new List<string>();
        if (!Enabled)
        {
            return problems;
        }
        if (!Set(CertificateAuthority))
        {
            problems.Add($"{section}:CertificateAuthority is needed with a client certificate: without it the server's certificate could not be checked");
        }
        if (Set(CertificatePath) != Set(KeyPath))
        {
            problems.Add($"{section}:CertificatePath and {section}:KeyPath go together");
        }
        if (problems.Count == 0)
        {
            try
            {
                using var authority = LoadAuthority();
                if (Set(CertificatePath))
                {
                    using var certificate = X509Certificate2.CreateFromPemFile(CertificatePath!, KeyPath);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                problems.Add($"{section}: {e.Message}");
            }
        }
        return problems;
    }

    /// <summary>
    /// The pinned CA and client certificate these settings name, or null when TLS is off (h2c);
    /// call after <see cref="Problems"/> came back empty. The caller owns (disposes) the result.
    /// The client certificate is read again whenever its files change (<see cref="ReloadingCertificate"/>).
    /// </summary>
    public ClientTlsCredentials? LoadCredentials() =>
        Enabled ? ClientTlsCredentials.Reloaded(new PinnedCertificateAuthority(LoadAuthority()), LoadCertificate()) : null;

    private X509Certificate2 LoadAuthority() =>
        X509CertificateLoader.LoadCertificate(System.Text.Encoding.ASCII.GetBytes(File.ReadAllText(CertificateAuthority!)));

    private ReloadingCertificate? LoadCertificate() =>
        Set(CertificatePath) ? new ReloadingCertificate(CertificatePath!, KeyPath!) : null;

    private static bool Set(string? value) => !string.IsNullOrWhiteSpace(value);
}

/// <summary>What a client presents and trusts on a TLS channel: the pinned CA and, for mutual TLS, its own certificate.</summary>
public sealed class ClientTlsCredentials : IDisposable
{
    private readonly X509Certificate2? _fixedCertificate;

    /// <summary>A client certificate that stays as it is for the life of the credentials.</summary>
    public ClientTlsCredentials(PinnedCertificateAuthority authority, X509Certificate2? certificate)
    {
        Authority = authority;
        _fixedCertificate = certificate;
    }

    private ClientTlsCredentials(PinnedCertificateAuthority authority, ReloadingCertificate? certificate)
    {
        Authority = authority;
        Reloading = certificate;
    }

    /// <summary>A client certificate read again from its files when they change.</summary>
    public static ClientTlsCredentials Reloaded(PinnedCertificateAuthority authority, ReloadingCertificate? certificate) => new(authority, certificate);

    public PinnedCertificateAuthority Authority { get; }

    /// <summary>The certificate files behind <see cref="Certificate"/>, when it is reloaded from them.</summary>
    public ReloadingCertificate? Reloading { get; }

    /// <summary>The client certificate to present on the next connection; null: none (TLS without a client certificate).</summary>
    public X509Certificate2? Certificate => Reloading?.Current ?? _fixedCertificate;

    public void Dispose()
    {
        _fixedCertificate?.Dispose();
        Authority.Certificate.Dispose();
    }
}

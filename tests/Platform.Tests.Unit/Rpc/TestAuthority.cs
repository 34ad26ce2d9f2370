using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Platform.Tests.Unit.Rpc;

/// <summary>A throw-away CA (ECDSA P-256, valid for a day) that issues leaves with the uses and identity a test needs.</summary>
internal sealed class TestAuthority : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestAuthority(string commonName)
    {
        var request = new CertificateRequest($"CN={commonName}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>A leaf with its key, naming <paramref name="uses"/> (none: no extendedKeyUsage), localhost and <paramref name="uri"/> when given.</summary>
    public X509Certificate2 Issue(string? uri = null, params Oid[] uses)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=leaf", key, HashAlgorithmName.SHA256);
        if (uses.Length > 0)
        {
            var usages = new OidCollection();
            foreach (var use in uses)
            {
                usages.Add(use);
            }
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        }
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        if (uri is not null)
        {
            names.AddUri(new Uri(uri));
        }
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.Create(Certificate, DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
        return certificate.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }
}

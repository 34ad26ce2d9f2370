using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Platform.Common.Hosting;
using Platform.Rpc.Tls;

namespace Platform.Tests.Unit.Rpc;

/// <summary>Chaining to the pinned CA is not enough: a certificate that names its uses must be issued for the role it plays.</summary>
public class PinnedCertificateAuthorityTests
{
    private ECDsa _caKey = null!;
    private X509Certificate2 _ca = null!;

    [OneTimeSetUp]
    public void MakeAuthority()
    {
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pinned-ca-test", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    [OneTimeTearDown]
    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
    }

    [Test]
    public void A_client_only_certificate_passes_as_a_client_and_not_as_a_server()
    {
        using var client = Issue(_ca, PinnedCertificateAuthority.ClientAuthentication);
        var authority = new PinnedCertificateAuthority(_ca);
        Assert.Multiple(() =>
        {
            Assert.That(authority.Validates(client, SslPolicyErrors.None, PinnedCertificateAuthority.ClientAuthentication), Is.True);
            Assert.That(authority.Validates(client, SslPolicyErrors.None, PinnedCertificateAuthority.ServerAuthentication), Is.False);
        });
    }

    [Test]
    public void A_daemon_certificate_for_both_uses_passes_in_either_role()
    {
        using var daemon = Issue(_ca, PinnedCertificateAuthority.ServerAuthentication, PinnedCertificateAuthority.ClientAuthentication);
        var authority = new PinnedCertificateAuthority(_ca);
        Assert.Multiple(() =>
        {
            Assert.That(authority.Validates(daemon, SslPolicyErrors.None, PinnedCertificateAuthority.ClientAuthentication), Is.True);
            Assert.That(authority.Validates(daemon, SslPolicyErrors.None, PinnedCertificateAuthority.ServerAuthentication), Is.True);
        });
    }

    [Test]
    public void A_certificate_of_another_authority_is_refused_whatever_its_uses()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherRequest = new CertificateRequest("CN=other-ca", otherKey, HashAlgorithmName.SHA256);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var other = otherRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var foreign = Issue(other, PinnedCertificateAuthority.ServerAuthentication, PinnedCertificateAuthority.ClientAuthentication);
        Assert.That(new PinnedCertificateAuthority(_ca).Validates(foreign, SslPolicyErrors.None, PinnedCertificateAuthority.ServerAuthentication), Is.False);
    }

    [Test]
    public void A_leaf_without_extended_key_usage_is_refused_in_either_role()
    {
        using var unnamed = Issue(_ca);
        var authority = new PinnedCertificateAuthority(_ca);
        Assert.Multiple(() =>
        {
            Assert.That(unnamed.Extensions.Any(extension => extension.Oid?.Value == "2.5.29.37"), Is.False, "the leaf names no uses");
            Assert.That(authority.Validates(unnamed, SslPolicyErrors.None, PinnedCertificateAuthority.ClientAuthentication), Is.False);
            Assert.That(authority.Validates(unnamed, SslPolicyErrors.None, PinnedCertificateAuthority.ServerAuthentication), Is.False);
        });
    }

    [Test]
    public void A_setting_naming_a_missing_file_or_no_certificate_is_a_configuration_failure_naming_key_and_file()
    {
        var directory = Directory.CreateTempSubdirectory("pinned-ca-").FullName;
        try
        {
            var missing = Path.Combine(directory, "missing.crt");
            var notCertificate = Path.Combine(directory, "not.crt");
            File.WriteAllText(notCertificate, "not a certificate\n");
            var pem = Path.Combine(directory, "ca.crt");
            File.WriteAllText(pem, _ca.ExportCertificatePem());

            var whenMissing = Assert.Throws<StartupFailureException>(() => PinnedCertificateAuthority.FromSetting("Grpc:ClientCertificateAuthority", missing));
            var whenNoCertificate = Assert.Throws<StartupFailureException>(() => PinnedCertificateAuthority.FromSetting("Grpc:ClientCertificateAuthority", notCertificate));

            Assert.Multiple(() =>
            {
                Assert.That(whenMissing!.Message, Does.StartWith($"Grpc:ClientCertificateAuthority ({missing}) does not load as a PEM certificate: "));
                Assert.That(whenMissing.ExitCode, Is.EqualTo(StartupFailure.ConfigurationExitCode));
                Assert.That(whenNoCertificate!.Message, Does.StartWith($"Grpc:ClientCertificateAuthority ({notCertificate}) does not load as a PEM certificate: "));
                Assert.That(PinnedCertificateAuthority.FromSetting("Grpc:ClientCertificateAuthority", pem).Certificate.Thumbprint, Is.EqualTo(_ca.Thumbprint));
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, params Oid[] uses)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=leaf", key, HashAlgorithmName.SHA256);
        var usages = new OidCollection();
        foreach (var use in uses)
        {
            usages.Add(use);
        }
        if (uses.Length > 0)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        }
        using var certificate = request.Create(issuer, DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
        return certificate.CopyWithPrivateKey(key);
    }
}

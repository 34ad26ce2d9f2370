using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Platform.Common.Hosting;
using Platform.Rpc.Tls;

namespace Platform.Tests.Unit.Rpc;

/// <summary>Chaining to the pinned CA is not enough: a certificate that names its uses must be issued for the role it plays.</summary>
public sealed class PinnedCertificateAuthorityTests : IDisposable
{
    private TestAuthority _authority = null!;
    private TestAuthority _other = null!;

    private X509Certificate2 Ca => _authority.Certificate;

    [OneTimeSetUp]
    public void MakeAuthorities()
    {
        _authority = new TestAuthority("pinned-ca-test");
        _other = new TestAuthority("other-ca");
    }

    // NUnit disposes a fixture after its last test.
    public void Dispose()
    {
        _authority.Dispose();
        _other.Dispose();
    }

    [Test]
    public void A_client_only_certificate_passes_as_a_client_and_not_as_a_server()
    {
        using var client = _authority.Issue(null, PinnedCertificateAuthority.ClientAuthentication);
        var authority = new PinnedCertificateAuthority(Ca);
        Assert.Multiple(() =>
        {
            Assert.That(authority.Validates(client, SslPolicyErrors.None, PinnedCertificateAuthority.ClientAuthentication), Is.True);
            Assert.That(authority.Validates(client, SslPolicyErrors.None, PinnedCertificateAuthority.ServerAuthentication), Is.False);
        });
    }

    [Test]
    public void A_daemon_certificate_for_both_uses_passes_in_either_role()
    {
        using var daemon = _authority.Issue(null, PinnedCertificateAuthority.ServerAuthentication, PinnedCertificateAuthority.ClientAuthentication);
        var authority = new PinnedCertificateAuthority(Ca);
        Assert.Multiple(() =>
        {
            Assert.That(authority.Validates(daemon, SslPolicyErrors.None, PinnedCertificateAuthority.ClientAuthentication), Is.True);
            Assert.That(authority.Validates(daemon, SslPolicyErrors.None, PinnedCertificateAuthority.ServerAuthentication), Is.True);
        });
    }

    [Test]
    public void A_certificate_of_another_authority_is_refused_whatever_its_uses()
    {
        using var foreign = _other.Issue(null, PinnedCertificateAuthority.ServerAuthentication, PinnedCertificateAuthority.ClientAuthentication);
        Assert.That(new PinnedCertificateAuthority(Ca).Validates(foreign, SslPolicyErrors.None, PinnedCertificateAuthority.ServerAuthentication), Is.False);
    }

    [Test]
    public void A_leaf_without_extended_key_usage_is_refused_in_either_role()
    {
        using var unnamed = _authority.Issue();
        var authority = new PinnedCertificateAuthority(Ca);
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
            File.WriteAllText(pem, Ca.ExportCertificatePem());

            var whenMissing = Assert.Throws<StartupFailureException>(() => PinnedCertificateAuthority.FromSetting("Grpc:ClientCertificateAuthority", missing));
            var whenNoCertificate = Assert.Throws<StartupFailureException>(() => PinnedCertificateAuthority.FromSetting("Grpc:ClientCertificateAuthority", notCertificate));

            Assert.Multiple(() =>
            {
                Assert.That(whenMissing!.Message, Does.StartWith($"Grpc:ClientCertificateAuthority ({missing}) does not load as a PEM certificate: "));
                Assert.That(whenMissing.ExitCode, Is.EqualTo(StartupFailure.ConfigurationExitCode));
                Assert.That(whenNoCertificate!.Message, Does.StartWith($"Grpc:ClientCertificateAuthority ({notCertificate}) does not load as a PEM certificate: "));
                Assert.That(PinnedCertificateAuthority.FromSetting("Grpc:ClientCertificateAuthority", pem).Certificate.Thumbprint, Is.EqualTo(Ca.Thumbprint));
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

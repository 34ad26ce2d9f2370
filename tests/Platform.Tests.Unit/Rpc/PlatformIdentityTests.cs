using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Platform.Rpc.Identity;

namespace Platform.Tests.Unit.Rpc;

/// <summary>The role a certificate carries as its spiffe://platform/… subjectAltName URI.</summary>
public class PlatformIdentityTests
{
    [TestCase("spiffe://platform/controller", PlatformRole.Controller, null)]
    [TestCase("spiffe://platform/agent/host-1a2b", PlatformRole.Agent, "host-1a2b")]
    [TestCase("spiffe://platform/agent/3d1219c7c4c5404aaa1f6d2a48adfda4", PlatformRole.Agent, "3d1219c7c4c5404aaa1f6d2a48adfda4")]
    [TestCase("spiffe://platform/operator/admin", PlatformRole.Operator, "admin")]
    [TestCase("spiffe://platform/operator/jane.doe_2", PlatformRole.Operator, "jane.doe_2")]
    public void A_platform_uri_names_its_role_and_name(string uri, PlatformRole role, string? name)
    {
        var identity = PlatformIdentity.ParseUri(uri);

        Assert.That(identity, Is.EqualTo(new PlatformIdentity(role, name)));
        Assert.That(identity!.ToUri(), Is.EqualTo(uri), "the URI round-trips");
    }

    [TestCase("spiffe://platform/agent")]
    [TestCase("spiffe://platform/agent/")]
    [TestCase("spiffe://platform/agent/a/b")]
    [TestCase("spiffe://platform/agent/host 1")]
    [TestCase("spiffe://platform/agent/host%2Fb")]
    [TestCase("spiffe://platform/operator")]
    [TestCase("spiffe://platform/controller/extra")]
    [TestCase("spiffe://platform/Controller")]
    [TestCase("spiffe://platform/root")]
    [TestCase("spiffe://platform/")]
    [TestCase("spiffe://other/controller")]
    [TestCase("spiffe://platformx/controller")]
    [TestCase("https://platform/controller")]
    [TestCase("")]
    public void Anything_else_names_nobody(string uri) =>
        Assert.That(PlatformIdentity.ParseUri(uri), Is.Null);

    [Test]
    public void A_name_longer_than_a_host_id_names_nobody() =>
        Assert.That(PlatformIdentity.ParseUri("spiffe://platform/agent/" + new string('a', 65)), Is.Null);

    [Test]
    public void A_certificate_with_one_platform_uri_among_other_names_carries_that_identity()
    {
        using var certificate = Certificate("spiffe://platform/agent/host-a", "https://example.invalid/not-an-identity");

        var identity = PlatformIdentity.FromCertificate(certificate, out var problem);

        Assert.Multiple(() =>
        {
            Assert.That(identity, Is.EqualTo(PlatformIdentity.ForAgent("host-a")));
            Assert.That(problem, Is.Null);
        });
    }

    [Test]
    public void A_certificate_without_a_platform_uri_carries_none_and_says_so()
    {
        using var certificate = Certificate();

        Assert.Multiple(() =>
        {
            Assert.That(PlatformIdentity.FromCertificate(certificate, out var problem), Is.Null);
            Assert.That(problem, Does.Contain("no spiffe://platform/"));
        });
    }

    [Test]
    public void A_certificate_without_any_subject_alternative_name_carries_none()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=platform-controller", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));

        Assert.That(PlatformIdentity.FromCertificate(certificate, out _), Is.Null, "the common name plays no part");
    }

    [Test]
    public void A_certificate_with_two_platform_uris_is_refused_as_ambiguous()
    {
        using var certificate = Certificate("spiffe://platform/agent/host-a", "spiffe://platform/controller");

        Assert.Multiple(() =>
        {
            Assert.That(PlatformIdentity.FromCertificate(certificate, out var problem), Is.Null);
            Assert.That(problem, Does.Contain("2 spiffe://platform/"));
        });
    }

    [Test]
    public void A_certificate_with_a_malformed_platform_uri_says_which()
    {
        using var certificate = Certificate("spiffe://platform/agent");

        Assert.Multiple(() =>
        {
            Assert.That(PlatformIdentity.FromCertificate(certificate, out var problem), Is.Null);
            Assert.That(problem, Does.Contain("spiffe://platform/agent is malformed"));
        });
    }

    [Test]
    public void Pki_sh_issues_the_uris_this_parser_reads()
    {
        var script = File.ReadAllText(Path.Combine(StartupValidation.Repository, "packaging", "scripts", "pki.sh"));

        Assert.Multiple(() =>
        {
            Assert.That(script, Does.Contain("ID_PREFIX=" + PlatformIdentity.UriPrefix.TrimEnd('/')));
            Assert.That(script, Does.Contain("\"$ID_PREFIX/" + PlatformIdentity.ControllerSegment + "\""));
            Assert.That(script, Does.Contain("\"$ID_PREFIX/" + PlatformIdentity.AgentSegment + "/"));
            Assert.That(script, Does.Contain("\"$ID_PREFIX/" + PlatformIdentity.OperatorSegment + "/"));
            Assert.That(script, Does.Contain(PlatformIdentity.NamePattern.TrimStart('^').TrimEnd('$')), "the same name syntax");
        });
    }

    private static X509Certificate2 Certificate(params string[] uris)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=platform-agent", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        foreach (var uri in uris)
        {
            names.AddUri(new Uri(uri));
        }
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));
    }
}

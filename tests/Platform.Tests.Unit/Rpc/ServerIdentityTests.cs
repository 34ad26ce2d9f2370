using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Platform.Rpc.Client;
using Platform.Rpc.Identity;
using Platform.Rpc.Tls;

namespace Platform.Tests.Unit.Rpc;

/// <summary>
/// A client reaches the peer it means: the server's certificate must carry the identity the
/// client expects (the controller; the agent of the host it calls), not only chain to the CA.
/// </summary>
public sealed class ServerIdentityTests : IDisposable
{
    private TestAuthority _authority = null!;

    private X509Certificate2 Ca => _authority.Certificate;

    [OneTimeSetUp]
    public void MakeAuthority() => _authority = new TestAuthority("identity-ca-test");

    // NUnit disposes a fixture after its last test.
    public void Dispose() => _authority.Dispose();

    [Test]
    public void The_expected_identity_matches()
    {
        using var agent = Issue("spiffe://platform/agent/host-a");
        using var controller = Issue("spiffe://platform/controller");
        Assert.Multiple(() =>
        {
            Assert.That(PlatformIdentity.ServerMismatch(agent, PlatformIdentity.ForAgent("host-a")), Is.Null);
            Assert.That(PlatformIdentity.ServerMismatch(controller, PlatformIdentity.ForController()), Is.Null);
        });
    }

    [Test]
    public void Another_hosts_agent_is_not_the_agent_of_this_host()
    {
        using var other = Issue("spiffe://platform/agent/host-b");
        Assert.That(PlatformIdentity.ServerMismatch(other, PlatformIdentity.ForAgent("host-a")),
            Is.EqualTo("the server's certificate is spiffe://platform/agent/host-b, not spiffe://platform/agent/host-a"));
    }

    [Test]
    public void Host_ids_are_compared_exactly()
    {
        using var otherCase = Issue("spiffe://platform/agent/Host-A");
        Assert.That(PlatformIdentity.ServerMismatch(otherCase, PlatformIdentity.ForAgent("host-a")), Is.Not.Null);
    }

    [Test]
    public void An_agent_or_operator_is_not_the_controller()
    {
        using var agent = Issue("spiffe://platform/agent/host-a");
        using var operatorCertificate = Issue("spiffe://platform/operator/admin");
        Assert.Multiple(() =>
        {
            Assert.That(PlatformIdentity.ServerMismatch(agent, PlatformIdentity.ForController()),
                Is.EqualTo("the server's certificate is spiffe://platform/agent/host-a, not spiffe://platform/controller"));
            Assert.That(PlatformIdentity.ServerMismatch(operatorCertificate, PlatformIdentity.ForController()), Is.Not.Null);
        });
    }

    [Test]
    public void A_certificate_without_an_identity_is_nobody_expected()
    {
        using var roleless = Issue();
        Assert.That(PlatformIdentity.ServerMismatch(roleless, PlatformIdentity.ForController()),
            Does.StartWith("the server's certificate is not spiffe://platform/controller: the certificate carries no spiffe://platform/"));
    }

    [Test]
    public void The_channels_check_refuses_the_wrong_peer_saying_whose_certificate_it_is()
    {
        using var other = Issue("spiffe://platform/agent/host-b");
        var validate = PlatformChannel.ServerValidation(new PinnedCertificateAuthority(Ca), PlatformIdentity.ForAgent("host-a"));

        var refusal = Assert.Throws<AuthenticationException>(() => validate(other, SslPolicyErrors.None));

        Assert.That(refusal!.Message, Is.EqualTo("the server's certificate is spiffe://platform/agent/host-b, not spiffe://platform/agent/host-a"));
    }

    [Test]
    public void The_channels_check_admits_the_right_peer_and_still_requires_the_authority()
    {
        using var right = Issue("spiffe://platform/agent/host-a");
        var expecting = PlatformChannel.ServerValidation(new PinnedCertificateAuthority(Ca), PlatformIdentity.ForAgent("host-a"));
        var anyIdentity = PlatformChannel.ServerValidation(new PinnedCertificateAuthority(Ca), expected: null);
        using var otherCa = new TestAuthority("other");
        var otherAuthority = PlatformChannel.ServerValidation(new PinnedCertificateAuthority(otherCa.Certificate), PlatformIdentity.ForAgent("host-a"));
        using var wrongHost = Issue("spiffe://platform/agent/host-b");

        Assert.Multiple(() =>
        {
            Assert.That(expecting(right, SslPolicyErrors.None), Is.True);
            Assert.That(anyIdentity(wrongHost, SslPolicyErrors.None), Is.True, "no identity expected: any server of the CA");
            Assert.That(otherAuthority(right, SslPolicyErrors.None), Is.False, "the right identity from another CA");
            Assert.That(expecting(null, SslPolicyErrors.RemoteCertificateNotAvailable), Is.False);
        });
    }

    /// <summary>A TLS certificate of the test CA for both uses, carrying <paramref name="uri"/> (none: no identity).</summary>
    private X509Certificate2 Issue(string? uri = null) =>
        _authority.Issue(uri, PinnedCertificateAuthority.ServerAuthentication, PinnedCertificateAuthority.ClientAuthentication);
}

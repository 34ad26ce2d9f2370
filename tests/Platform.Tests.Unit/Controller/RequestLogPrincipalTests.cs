using System.Security.Claims;
using Platform.Controller.Security;

namespace Platform.Tests.Unit.Controller;

/// <summary>The request log names each kind of principal as the audit trail does, by ids only.</summary>
public class RequestLogPrincipalTests
{
    private static readonly RequestLogPrincipalNamer Namer = new();

    [Test]
    public void Sessions_tokens_and_terminals_are_named_by_user_and_credential_id()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Namer.Name(Principals.User("u-1", "alice", UserRoles.Admin, SignInKind.Session, "ses-1", csrfToken: "csrf-secret")), Is.EqualTo("alice (session)"));
            Assert.That(Namer.Name(Principals.User("u-2", "ci", UserRoles.Viewer, SignInKind.Token, "tok-0123456789abcdef")), Is.EqualTo("ci (token tok-0123456789abcdef)"));
            Assert.That(Namer.Name(Principals.Terminal(7, "pc-12")), Is.EqualTo("terminal 7 (pc-12)"));
            Assert.That(Namer.Name(new ClaimsPrincipal(new ClaimsIdentity())), Is.Null, "anonymous: the log says so itself");
        });
    }
}

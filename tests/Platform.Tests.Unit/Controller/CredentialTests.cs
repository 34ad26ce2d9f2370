using Platform.Controller.Security;

namespace Platform.Tests.Unit.Controller;

public class CredentialTests
{
    [Test]
    public void A_password_verifies_against_its_own_hash_only()
    {
        var hash = PasswordHashing.Hash("correct horse battery staple");
        Assert.Multiple(() =>
        {
            Assert.That(hash, Does.StartWith("$argon2id$v=19$m=19456,t=2,p=1$"));
            Assert.That(PasswordHashing.Verify("correct horse battery staple", hash), Is.True);
            Assert.That(PasswordHashing.Verify("correct horse battery stapler", hash), Is.False);
            Assert.That(PasswordHashing.Hash("correct horse battery staple"), Is.Not.EqualTo(hash), "a salt of its own each time");
        });
    }

    [TestCase("")]
    [TestCase("plain text")]
    [TestCase("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA")]
    [TestCase("$argon2id$v=19$m=0,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA")]
    [TestCase("$argon2id$v=19$m=19456,t=2,p=1,x=3$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA")]
    [TestCase("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA")]
    [TestCase("$argon2id$v=19$m=19456,t=2,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA")]
    public void A_stored_hash_this_code_did_not_write_never_verifies(string stored) =>
        Assert.That(PasswordHashing.Verify("anything", stored), Is.False);

    [Test]
    public void A_token_parses_back_to_its_id_and_secret()
    {
        var id = Credentials.NewId(Credentials.TokenIdPrefix);
        var secret = Credentials.NewSecret();
        var token = Credentials.Token(id, secret);
        Assert.That(token, Does.StartWith("plt_"));
        Assert.That(Credentials.TryParseToken(token, out var parsedId, out var parsedSecret), Is.True);
        Assert.That((parsedId, parsedSecret), Is.EqualTo((id, secret)));
        Assert.That(Credentials.Matches(secret, Credentials.HashOf(secret)), Is.True);
        Assert.That(Credentials.Matches(secret + "x", Credentials.HashOf(secret)), Is.False);
    }

    [TestCase("")]
    [TestCase("plt_")]
    [TestCase("plt_0123456789abcdef_")]
    [TestCase("plt_0123456789ABCDEF_secret")]
    [TestCase("plt_0123456789abcde_secret")]
    [TestCase("x3Fz-terminal-token")]
    public void Anything_else_is_not_an_api_token(string presented) =>
        Assert.That(Credentials.TryParseToken(presented, out _, out _), Is.False);

    [TestCase("ses-0123456789abcdef.secret", true)]
    [TestCase("ses-0123456789abcdef.", false)]
    [TestCase("ses-0123456789abcdeg.secret", false)]
    [TestCase("tok-0123456789abcdef.secret", false)]
    [TestCase("ses-0123456789abcdef", false)]
    public void Session_cookies_are_recognised_by_their_shape(string value, bool valid) =>
        Assert.That(Credentials.TryParseSessionCookie(value, out _, out _), Is.EqualTo(valid));

    [Test]
    public void Roles_include_the_ones_below_them()
    {
        Assert.Multiple(() =>
        {
            Assert.That(UserRoles.Granting(ApiAccess.Viewer), Is.EquivalentTo(new[] { "viewer", "operator", "admin" }));
            Assert.That(UserRoles.Granting(ApiAccess.Operator), Is.EquivalentTo(new[] { "operator", "admin" }));
            Assert.That(UserRoles.Granting(ApiAccess.Admin), Is.EquivalentTo(new[] { "admin" }));
            Assert.That(UserRoles.Granting(ApiAccess.Terminal), Is.EquivalentTo(new[] { "terminal" }));
            Assert.That(UserRoles.Weaker("admin", "viewer"), Is.EqualTo("viewer"));
            Assert.That(UserRoles.Weaker("operator", "admin"), Is.EqualTo("operator"));
        });
    }

    [TestCase("admin", true)]
    [TestCase("ci.bot-2", true)]
    [TestCase("Admin", false)]
    [TestCase("2fast", false)]
    [TestCase("a b", false)]
    [TestCase("", false)]
    public void User_names_are_short_lowercase_words(string name, bool valid) =>
        Assert.That(UserNames.IsValid(name), Is.EqualTo(valid));
}

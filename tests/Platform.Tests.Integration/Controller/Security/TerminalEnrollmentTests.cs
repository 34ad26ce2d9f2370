using System.Net;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Security;

/// <summary>
/// Registering a terminal takes credentials: an operator's, or a terminal-enrollment token made
/// for terminals' install media, which registers terminals and does nothing else. A terminal's
/// own token renews only its own registration. Each registration and deletion is audited with
/// who made it.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class TerminalEnrollmentTests : ControllerTestBase
{
    private const string Register = "/thor/voi/terminal/register";

    [Test]
    public async Task Nobody_registers_a_terminal_without_credentials_and_nothing_is_made()
    {
        var mac = RandomMac();
        using var anonymous = new RestClient(Controller.RestUrl, token: null);

        var refused = await anonymous.PostAsync(Register, new { name = Unique("anon"), mac });

        Assert.Multiple(async () =>
        {
            Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.Unauthorized, 40101)), refused.Body);
            Assert.That(refused.Message, Does.Contain("terminal-enrollment"));
            Assert.That(await TerminalWithMacAsync(mac), Is.Null, "no terminal was registered");
        });
    }

    [Test]
    public async Task An_enrollment_token_registers_terminals_is_audited_and_opens_nothing_else()
    {
        var (operatorName, _, operatorToken) = await CreateUserWithTokenAsync("operator");
        using var operatorApi = new RestClient(Controller.RestUrl, operatorToken);
        var made = (await operatorApi.PostAsync("/api/v1/auth/tokens/create", new { name = Unique("media"), role = "terminal-enrollment", expires_in_days = 30 })).Ok();
        Assert.That(made.GetProperty("role").GetString(), Is.EqualTo("terminal-enrollment"));
        var enrollmentTokenId = made.GetProperty("token_id").GetString()!;
        using var enrollment = new RestClient(Controller.RestUrl, TestSecrets.Record(made.GetProperty("token").GetString()!, "enrollment token"));

        var mac = RandomMac();
        var registered = (await enrollment.PostAsync(Register, new { name = Unique("room"), mac })).Ok();
        var terminalId = registered.GetProperty("terminal_id").GetInt64();
        using var terminal = new RestClient(Controller.RestUrl, TestSecrets.Record(registered.GetProperty("token").GetString()!, "terminal token"));
        var manifest = await terminal.GetAsync("/thor/voi/terminal/manifest");

        var audit = (await Api.GetAsync("/api/v1/audit/list", ("resource_id", $"terminal-{terminalId}"))).Ok().GetProperty("items").EnumerateArray().ToList();
        var elsewhere = new[]
        {
            await enrollment.GetAsync("/api/v1/auth/whoami"),
            await enrollment.GetAsync("/api/v1/volume/list"),
            await enrollment.PostAsync("/api/v1/auth/tokens/create", new { name = Unique("escalate") }),
            await enrollment.GetAsync("/thor/voi/terminal/manifest"),
            await enrollment.PostAsync("/thor/voi/terminal", new { action = "delete", ids = new[] { terminalId } }),
        };

        Assert.Multiple(async () =>
        {
            Assert.That(manifest.Status, Is.EqualTo(HttpStatusCode.OK), "the registered terminal's own token works: " + manifest.Body);
            Assert.That(audit.Select(row => (row.GetProperty("action").GetString(), row.GetProperty("principal").GetString())),
                Is.EqualTo(new[] { ("voi.terminal.register", $"{operatorName} (token {enrollmentTokenId})") }), "the registration names the enrollment token");
            foreach (var answer in elsewhere)
            {
                Assert.That((answer.Status, answer.Code), Is.EqualTo((HttpStatusCode.Forbidden, 40300)), answer.Body);
            }
            Assert.That(await TerminalWithMacAsync(mac), Is.Not.Null, "the terminal the enrollment token tried to delete is still there");
        });
    }

    [Test]
    public async Task An_enrollment_token_stops_when_revoked_and_when_its_user_is_no_longer_an_operator()
    {
        var (name, _, operatorToken) = await CreateUserWithTokenAsync("operator");
        using var operatorApi = new RestClient(Controller.RestUrl, operatorToken);
        using var kept = await EnrollmentClientAsync(operatorApi);
        var revokedMade = (await operatorApi.PostAsync("/api/v1/auth/tokens/create", new { name = Unique("revoked"), role = "terminal-enrollment" })).Ok();
        using var revoked = new RestClient(Controller.RestUrl, TestSecrets.Record(revokedMade.GetProperty("token").GetString()!, "enrollment token"));
        (await kept.PostAsync(Register, new { name = Unique("before"), mac = RandomMac() })).Ok();

        (await operatorApi.PostAsync("/api/v1/auth/tokens/revoke", new { token_id = revokedMade.GetProperty("token_id").GetString() })).Ok();
        var afterRevoke = await revoked.PostAsync(Register, new { name = Unique("revoked"), mac = RandomMac() });
        (await Api.PostAsync("/api/v1/users/update", new { name, role = "viewer" })).Ok();
        var demotedMac = RandomMac();
        var afterDemotion = await kept.PostAsync(Register, new { name = Unique("demoted"), mac = demotedMac });

        Assert.Multiple(async () =>
        {
            Assert.That((afterRevoke.Status, afterRevoke.Code), Is.EqualTo((HttpStatusCode.Unauthorized, 40101)), afterRevoke.Body);
            Assert.That((afterDemotion.Status, afterDemotion.Code), Is.EqualTo((HttpStatusCode.Unauthorized, 40101)), afterDemotion.Body);
            Assert.That(await TerminalWithMacAsync(demotedMac), Is.Null);
        });
    }

    [Test]
    public async Task A_viewer_cannot_make_an_enrollment_token()
    {
        var (_, _, viewerToken) = await CreateUserWithTokenAsync("viewer");
        using var viewerApi = new RestClient(Controller.RestUrl, viewerToken);
        var name = Unique("media");

        var refused = await viewerApi.PostAsync("/api/v1/auth/tokens/create", new { name, role = "terminal-enrollment" });
        var tokens = (await viewerApi.GetAsync("/api/v1/auth/tokens/list")).Ok().EnumerateArray().Select(token => token.GetProperty("name").GetString()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), refused.Body);
            Assert.That(refused.Data.GetProperty("errors")[0].GetProperty("field").GetString(), Is.EqualTo("role"));
            Assert.That(tokens, Does.Not.Contain(name));
        });
    }

    [Test]
    public async Task A_terminal_renews_only_its_own_registration()
    {
        using var enrollment = await EnrollmentClientAsync(Api);
        var (first, firstToken) = await RegisterAsync(enrollment, "first");
        var (second, secondToken) = await RegisterAsync(enrollment, "second");
        using var firstTerminal = new RestClient(Controller.RestUrl, firstToken);
        using var secondTerminal = new RestClient(Controller.RestUrl, secondToken);
        var newMac = RandomMac();

        var takeover = await secondTerminal.PostAsync(Register, new { name = "imposter", mac = first.GetProperty("mac").GetString() });
        var another = await secondTerminal.PostAsync(Register, new { name = "another", mac = newMac });
        var firstStillWorks = await firstTerminal.GetAsync("/thor/voi/terminal/manifest");
        var renewed = (await firstTerminal.PostAsync(Register, new { name = "first-renamed", mac = first.GetProperty("mac").GetString() })).Ok();
        using var renewedTerminal = new RestClient(Controller.RestUrl, TestSecrets.Record(renewed.GetProperty("token").GetString()!, "terminal token"));
        var oldToken = await firstTerminal.GetAsync("/thor/voi/terminal/manifest");
        var newToken = await renewedTerminal.GetAsync("/thor/voi/terminal/manifest");

        Assert.Multiple(async () =>
        {
            Assert.That((takeover.Status, takeover.Code), Is.EqualTo((HttpStatusCode.Forbidden, 40300)), takeover.Body);
            Assert.That((another.Status, another.Code), Is.EqualTo((HttpStatusCode.Forbidden, 40300)), another.Body);
            Assert.That(await TerminalWithMacAsync(newMac), Is.Null, "a terminal's token registers no new terminal");
            Assert.That(firstStillWorks.Status, Is.EqualTo(HttpStatusCode.OK), "the refused takeover left the first terminal's token working");
            Assert.That(renewed.GetProperty("terminal_id").GetInt64(), Is.EqualTo(first.GetProperty("terminal_id").GetInt64()), "the same terminal");
            Assert.That((oldToken.Status, oldToken.Code), Is.EqualTo((HttpStatusCode.Unauthorized, 40100)), "the renewed registration's old token stops");
            Assert.That(newToken.Status, Is.EqualTo(HttpStatusCode.OK), newToken.Body);
            Assert.That((await TerminalWithMacAsync(second.GetProperty("mac").GetString()!))?.GetProperty("name").GetString(),
                Is.EqualTo(second.GetProperty("name").GetString()), "the second terminal is unchanged");
        });
    }

    [Test]
    public async Task Deleting_a_terminal_is_audited_with_who_deleted_it()
    {
        var (operatorName, _, operatorToken) = await CreateUserWithTokenAsync("operator");
        using var operatorApi = new RestClient(Controller.RestUrl, operatorToken);
        var tokenId = (await operatorApi.GetAsync("/api/v1/auth/whoami")).Ok().GetProperty("credential_id").GetString()!;
        var (terminal, _) = await RegisterAsync(operatorApi, "deleted");
        var terminalId = terminal.GetProperty("terminal_id").GetInt64();

        (await operatorApi.PostAsync("/thor/voi/terminal", new { action = "delete", ids = new[] { terminalId } })).Ok();

        var audit = (await Api.GetAsync("/api/v1/audit/list", ("resource_id", $"terminal-{terminalId}"))).Ok().GetProperty("items").EnumerateArray()
            .Select(row => (row.GetProperty("action").GetString(), row.GetProperty("principal").GetString())).ToList();
        Assert.That(audit, Is.EquivalentTo(new[]
        {
            ("voi.terminal.register", $"{operatorName} (token {tokenId})"),
            ("voi.terminal.delete", $"{operatorName} (token {tokenId})"),
        }));
    }

    private async Task<RestClient> EnrollmentClientAsync(RestClient maker)
    {
        var made = (await maker.PostAsync("/api/v1/auth/tokens/create", new { name = Unique("media"), role = "terminal-enrollment" })).Ok();
        return new RestClient(Controller.RestUrl, TestSecrets.Record(made.GetProperty("token").GetString()!, "enrollment token"));
    }

    private static async Task<(JsonElement Terminal, string Token)> RegisterAsync(RestClient client, string prefix)
    {
        var registered = (await client.PostAsync(Register, new { name = Unique(prefix), mac = RandomMac() })).Ok();
        return (registered, TestSecrets.Record(registered.GetProperty("token").GetString()!, "terminal token"));
    }

    /// <summary>The console's view of the terminal with <paramref name="mac"/>, or null.</summary>
    private async Task<JsonElement?> TerminalWithMacAsync(string mac)
    {
        var terminals = (await Api.GetAsync("/thor/voi/terminal")).Ok().EnumerateArray();
        return terminals.Where(t => string.Equals(t.GetProperty("mac").GetString(), mac, StringComparison.OrdinalIgnoreCase)).Select(t => (JsonElement?)t).FirstOrDefault();
    }

    private static string RandomMac() => "52:54:00:" + string.Join(":", Enumerable.Range(0, 3).Select(_ => Random.Shared.Next(256).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}

using System.Net;
using System.Net.Http.Json;

namespace Platform.Tests.Integration.Controller.Security;

/// <summary>Tokens, sessions and users: what takes effect when, and what cannot be done.</summary>
public sealed partial class SecurityTests
{
    [Test]
    public async Task A_revoked_token_is_refused_on_the_next_call()
    {
        var token = await ApiSignIn.CreateTokenAsync(Controller.RestUrl, _operator.Name!, _operator.Password!);
        using var api = new RestClient(Controller.RestUrl, token);
        (await api.GetAsync("/api/v1/volume/list")).Ok();
        var tokenId = (await api.GetAsync("/api/v1/auth/whoami")).Ok().GetProperty("credential_id").GetString()!;

        (await api.PostAsync("/api/v1/auth/tokens/revoke", new { token_id = tokenId })).Ok();

        var refused = await api.GetAsync("/api/v1/volume/list");
        Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.Unauthorized, 40101)), refused.Body);
        Assert.That(refused.Message, Does.Contain("revoked"));
        var listed = (await Api.GetAsync("/api/v1/auth/tokens/list")).Ok().EnumerateArray().Single(t => t.GetProperty("token_id").GetString() == tokenId);
        Assert.That(listed.GetProperty("revoked_at").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Number), "the admin still sees it, revoked");
    }

    [Test]
    public async Task An_expired_token_and_a_disabled_users_token_are_refused()
    {
        var user = await UserAsync("operator");
        using var api = new RestClient(Controller.RestUrl, user.Token);
        var tokenId = (await api.GetAsync("/api/v1/auth/whoami")).Ok().GetProperty("credential_id").GetString()!;
        await ExecuteAsync("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE token_id = @id", ("id", tokenId));
        var expired = await api.GetAsync("/api/v1/volume/list");
        Assert.That((expired.Status, expired.Code), Is.EqualTo((HttpStatusCode.Unauthorized, 40101)), expired.Body);

        var second = await UserAsync("viewer");
        using var secondApi = new RestClient(Controller.RestUrl, second.Token);
        (await secondApi.GetAsync("/api/v1/volume/list")).Ok();
        (await Api.PostAsync("/api/v1/users/update", new { name = second.Name, disabled = true })).Ok();
        var disabled = await secondApi.GetAsync("/api/v1/volume/list");
        Assert.That((disabled.Status, disabled.Code), Is.EqualTo((HttpStatusCode.Unauthorized, 40101)), disabled.Body);
        var signIn = await LoginAsync(second.Name!, second.Password!);
        Assert.That((signIn.StatusCode, (await JsonOf(signIn)).GetProperty("code").GetInt32()), Is.EqualTo((HttpStatusCode.Unauthorized, 40102)));
    }

    [Test]
    public async Task A_token_acts_with_at_most_its_own_role_and_never_above_its_users()
    {
        using var admin = new RestClient(Controller.RestUrl, _admin.Token);
        var readOnly = (await admin.PostAsync("/api/v1/auth/tokens/create", new { name = "read-only " + Guid.NewGuid().ToString("N")[..6], role = "viewer" })).Ok();
        using var readOnlyApi = new RestClient(Controller.RestUrl, readOnly.GetProperty("token").GetString()!);
        (await readOnlyApi.GetAsync("/api/v1/volume/list")).Ok();
        var refused = await readOnlyApi.PostAsync("/api/v1/volume/create", new { volume_name = "x", volume_size = 1 });
        Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.Forbidden, 40300)), refused.Body);

        using var viewer = new RestClient(Controller.RestUrl, _viewer.Token);
        var escalation = await viewer.PostAsync("/api/v1/auth/tokens/create", new { name = "escalate", role = "admin" });
        Assert.That((escalation.Status, escalation.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), escalation.Body);
        Assert.That(escalation.Body, Does.Contain("must be at most viewer"));
    }

    [Test]
    public async Task The_last_enabled_admin_cannot_be_demoted_disabled_or_deleted()
    {
        foreach (var change in new object[]
        {
            new { name = ControllerProcess.AdminName, role = "operator" },
            new { name = ControllerProcess.AdminName, disabled = true },
        })
        {
            var refused = await Api.PostAsync("/api/v1/users/update", change);
            Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.Conflict, 40917)), refused.Body);
        }
        var deleted = await Api.PostAsync("/api/v1/users/delete", new { name = ControllerProcess.AdminName });
        Assert.That((deleted.Status, deleted.Code), Is.EqualTo((HttpStatusCode.Conflict, 40917)), deleted.Body);
        var admin = (await Api.GetAsync("/api/v1/users/list")).Ok().EnumerateArray().Single(u => u.GetProperty("name").GetString() == ControllerProcess.AdminName);
        Assert.That((admin.GetProperty("role").GetString(), admin.GetProperty("disabled").GetBoolean()), Is.EqualTo(("admin", false)));
    }

    [Test]
    public async Task Bad_user_input_is_refused_with_every_problem_and_changes_nothing()
    {
        var before = await ScalarAsync<long>("SELECT count(*) FROM users");
        var refused = await Api.PostAsync("/api/v1/users/create", new { name = "Bad Name;", role = "root", password = "short" });
        Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), refused.Body);
        var fields = refused.Data.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.That(fields, Is.EquivalentTo(new[] { "name", "role", "password" }));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM users"), Is.EqualTo(before));

        var taken = await Api.PostAsync("/api/v1/users/create", new { name = _viewer.Name, role = "viewer", password = "another-long-password" });
        Assert.That((taken.Status, taken.Code), Is.EqualTo((HttpStatusCode.Conflict, 40906)), taken.Body);
    }

    [Test]
    public async Task Passwords_and_token_secrets_are_stored_only_as_hashes_and_never_answered()
    {
        var hash = await ScalarAsync<string>("SELECT password_hash FROM users WHERE name = @name", ("name", _operator.Name!));
        Assert.That(hash, Does.StartWith("$argon2id$v=19$m=19456,t=2,p=1$"));
        Assert.That(hash, Does.Not.Contain(_operator.Password!));
        // plt_ID_SECRET: the secret is base64url, which may itself hold underscores.
        var secret = _operator.Token.Split('_', 3)[2];
        Assert.That(secret, Has.Length.EqualTo(43), "a 32-byte secret");
        var stored = await ScalarAsync<long>("SELECT count(*) FROM api_tokens WHERE position(convert_to(@secret, 'UTF8') IN secret_hash) > 0", ("secret", secret));
        Assert.That(stored, Is.Zero);
        var users = (await Api.GetAsync("/api/v1/users/list")).Body;
        var tokens = (await Api.GetAsync("/api/v1/auth/tokens/list")).Body;
        Assert.That(users + tokens, Does.Not.Contain("argon2").And.Not.Contain(secret).And.Not.Contain("password"));
    }

    private async Task<HttpResponseMessage> LoginAsync(string name, string password)
    {
        using var http = ApiSignIn.Client(Controller.RestUrl, null);
        return await http.PostAsJsonAsync("/api/v1/auth/login", new { name, password });
    }
}

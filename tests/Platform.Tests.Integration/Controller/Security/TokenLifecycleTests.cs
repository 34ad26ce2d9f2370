using System.Net;
using System.Text.Json;

namespace Platform.Tests.Integration.Controller.Security;

/// <summary>
/// API tokens through /api/v1/auth/tokens as a script uses them: an expiry asked for in days,
/// refused when out of range, and enforced on the next call; and whose tokens a caller sees and
/// may revoke (an operator: their own; an admin: everyone's).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class TokenLifecycleTests : ControllerTestBase
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    // The controller's clock and this process's are the same machine's; the margin is the call itself.
    private static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_token_made_to_expire_in_one_day_answers_its_expiry_and_is_listed_with_it()
    {
        var before = DateTimeOffset.UtcNow;
        var created = (await Api.PostAsync("/api/v1/auth/tokens/create", new { name = Unique("one-day"), expires_in_days = 1 })).Ok();
        var after = DateTimeOffset.UtcNow;

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(created.GetProperty("expires_at").GetInt64());
        Assert.That(expiresAt, Is.InRange(before + Day - ClockTolerance, after + Day + ClockTolerance), $"one day from now ({before:O})");
        var tokenId = created.GetProperty("token_id").GetString()!;
        var listed = (await Api.GetAsync("/api/v1/auth/tokens/list")).Ok().EnumerateArray().Single(t => t.GetProperty("token_id").GetString() == tokenId);
        Assert.That(listed.GetProperty("expires_at").GetInt64(), Is.EqualTo(expiresAt.ToUnixTimeSeconds()));

        using var api = new RestClient(Controller.RestUrl, created.GetProperty("token").GetString()!);
        var whoami = (await api.GetAsync("/api/v1/auth/whoami")).Ok();
        Assert.That(whoami.GetProperty("credential_id").GetString(), Is.EqualTo(tokenId), "an unexpired token works");
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(3651)]
    [TestCase("x")]
    [TestCase(1.5)]
    public async Task An_expiry_out_of_range_or_not_a_whole_number_of_days_is_refused_naming_the_field_and_creates_nothing(object days)
    {
        var name = Unique("refused-expiry");
        var before = await CountAsync("api_tokens");

        var refused = await Api.PostAsync("/api/v1/auth/tokens/create", new { name, expires_in_days = days });

        Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), refused.Body);
        var fields = refused.Data.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.That(fields, Is.EqualTo(new[] { "expires_in_days" }), refused.Body);
        Assert.That(await CountAsync("api_tokens"), Is.EqualTo(before), "no token was made");
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM api_tokens WHERE name = @name", ("name", name)), Is.Zero);
        Assert.That(refused.Body, Does.Not.Contain("\"token\""), "nothing that could be a token is answered");
    }

    [Test]
    public async Task A_token_whose_expiry_has_passed_is_refused_on_its_next_call()
    {
        var created = (await Api.PostAsync("/api/v1/auth/tokens/create", new { name = Unique("expiring"), expires_in_days = 1 })).Ok();
        var tokenId = created.GetProperty("token_id").GetString()!;
        using var api = new RestClient(Controller.RestUrl, created.GetProperty("token").GetString()!);
        (await api.GetAsync("/api/v1/volume/list")).Ok();

        // A day is too long to wait: the day passes in the inventory, which every call reads (no cache).
        await ExecuteAsync("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE token_id = @id", ("id", tokenId));

        var refused = await api.GetAsync("/api/v1/volume/list");
        Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.Unauthorized, 40101)), refused.Body);
        var change = await api.PostAsync("/api/v1/network/create", new { network_interface_name = Unique("after-expiry") });
        Assert.That((change.Status, change.Code), Is.EqualTo((HttpStatusCode.Unauthorized, 40101)), change.Body);
        (await Api.GetAsync("/api/v1/volume/list")).Ok();
    }

    [Test]
    public async Task An_operator_sees_and_revokes_only_their_own_tokens_and_an_admin_everyones()
    {
        var (nameA, _, tokenA) = await CreateUserWithTokenAsync("operator", "operator-a");
        var (nameB, _, tokenB) = await CreateUserWithTokenAsync("operator", "operator-b");
        using var a = new RestClient(Controller.RestUrl, tokenA);
        using var b = new RestClient(Controller.RestUrl, tokenB);
        var idA = await TokenIdAsync(a);
        var idB = await TokenIdAsync(b);

        var listedToA = (await a.GetAsync("/api/v1/auth/tokens/list")).Ok().EnumerateArray().ToList();
        Assert.That(listedToA.Select(TokenIdOf), Does.Contain(idA).And.Not.Contain(idB));
        Assert.That(listedToA.Select(t => t.GetProperty("user_name").GetString()), Is.All.EqualTo(nameA), "only A's own tokens");

        var notYours = await a.PostAsync("/api/v1/auth/tokens/revoke", new { token_id = idB });
        Assert.That((notYours.Status, notYours.Code), Is.EqualTo((HttpStatusCode.NotFound, 40414)), notYours.Body);
        var missing = await a.PostAsync("/api/v1/auth/tokens/revoke", new { token_id = "tok-00000000deadbeef" });
        Assert.That((missing.Status, missing.Code, missing.Message.Replace("tok-00000000deadbeef", idB, StringComparison.Ordinal)), Is.EqualTo((notYours.Status, notYours.Code, notYours.Message)),
            "another user's token is answered as one that does not exist");
        (await b.GetAsync("/api/v1/volume/list")).Ok();
        Assert.That(await ScalarAsync<bool>("SELECT revoked_at IS NULL FROM api_tokens WHERE token_id = @id", ("id", idB)), Is.True, "B's token is not revoked");

        var listedToAdmin = (await Api.GetAsync("/api/v1/auth/tokens/list")).Ok().EnumerateArray().ToList();
        Assert.That(listedToAdmin.Select(TokenIdOf), Does.Contain(idA).And.Contain(idB));
        Assert.That(listedToAdmin.Single(t => TokenIdOf(t) == idB).GetProperty("user_name").GetString(), Is.EqualTo(nameB));

        var revoked = (await Api.PostAsync("/api/v1/auth/tokens/revoke", new { token_id = idB })).Ok();
        Assert.That(revoked.GetProperty("revoked_at").ValueKind, Is.EqualTo(JsonValueKind.Number));
        var refused = await b.GetAsync("/api/v1/volume/list");
        Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.Unauthorized, 40101)), refused.Body);
        (await a.GetAsync("/api/v1/volume/list")).Ok();
    }

    private static async Task<string> TokenIdAsync(RestClient api) =>
        (await api.GetAsync("/api/v1/auth/whoami")).Ok().GetProperty("credential_id").GetString()!;

    private static string? TokenIdOf(JsonElement token) => token.GetProperty("token_id").GetString();
}

using System.Net;
using System.Net.Http.Json;

namespace Platform.Tests.Integration.Controller.Security;

/// <summary>What a browser can be made to do: sessions, CSRF, other origins and hosts, GET changes.</summary>
public sealed partial class SecurityTests
{
    [Test]
    public async Task A_session_change_needs_its_csrf_token_and_the_consoles_own_origin()
    {
        var (session, csrf) = await ApiSignIn.SessionAsync(Controller.RestUrl, _operator.Name!, _operator.Password!);
        using (session)
        {
            (await session.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/volume/list")).GetProperty("data");
            var before = await CountAsync("volumes");

            using var noToken = await session.PostAsJsonAsync("/api/v1/volume/create", new { volume_name = "csrf", volume_size = 1 });
            AssertRefused(noToken, await JsonOf(noToken), HttpStatusCode.Forbidden, 40301);

            using var wrongToken = await SendAsync(session, "/api/v1/volume/create", new { volume_name = "csrf", volume_size = 1 }, csrf: csrf[..^2] + "xx");
            AssertRefused(wrongToken, await JsonOf(wrongToken), HttpStatusCode.Forbidden, 40301);

            using var foreign = await SendAsync(session, "/api/v1/volume/create", new { volume_name = "csrf", volume_size = 1 }, csrf: csrf, origin: "http://evil.example");
            AssertRefused(foreign, await JsonOf(foreign), HttpStatusCode.Forbidden, 40301);
            Assert.That(await CountAsync("volumes"), Is.EqualTo(before), "nothing was created");

            // The console itself: its origin and its token.
            using var own = await SendAsync(session, "/api/v1/volume/create", new { volume_name = "csrf" }, csrf: csrf, origin: Controller.RestUrl);
            Assert.That((await JsonOf(own)).GetProperty("code").GetInt32(), Is.EqualTo(40001), "past the check: refused only for the missing size");

            using var signOut = await SendAsync(session, "/api/v1/auth/logout", new { }, csrf: csrf);
            Assert.That(signOut.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            using var after = await session.GetAsync("/api/v1/volume/list");
            AssertRefused(after, await JsonOf(after), HttpStatusCode.Unauthorized, 40101);
        }
    }

    /// <summary>The form another site's page would post: refused before anything runs, with or without credentials.</summary>
    [Test]
    public async Task A_cross_site_form_post_is_refused()
    {
        var before = await CountAsync("network_interfaces");
        using var http = ApiSignIn.Client(Controller.RestUrl, _admin.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/network/create")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("network_interface_name", "evil")]),
        };
        request.Headers.Add("Origin", "http://evil.example");
        using var response = await http.SendAsync(request);
        AssertRefused(response, await JsonOf(response), HttpStatusCode.Forbidden, 40301);
        Assert.That(await CountAsync("network_interfaces"), Is.EqualTo(before));

        // No CORS: a preflight from another origin is granted nothing.
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/volume/list");
        preflight.Headers.Add("Origin", "http://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using var answered = await http.SendAsync(preflight);
        Assert.That(answered.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
    }

    [Test]
    public async Task Deletes_are_never_a_get_and_another_host_name_is_refused()
    {
        using var http = ApiSignIn.Client(Controller.RestUrl, _admin.Token);
        using var get = await http.GetAsync("/api/v1/volume/delete?volume_id=vol-00000000");
        AssertRefused(get, await JsonOf(get), HttpStatusCode.MethodNotAllowed, 40500);
        Assert.That(get.Content.Headers.Allow, Is.EquivalentTo(new[] { "POST" }));

        // Raw, so that TLS still names the server while the Host header names another.
        var raw = new Fuzz.RawHttpClient(Controller.RestUrl, _admin.Token);
        var foreignHost = await raw.SendAsync(new Fuzz.RawRequest("GET", "/api/v1/volume/list", [], []) { Host = "evil.example" });
        Assert.That(foreignHost?.Status, Is.EqualTo(400), "AllowedHosts");
        var ownHost = await raw.SendAsync(new Fuzz.RawRequest("GET", "/api/v1/volume/list", [], []));
        Assert.That(ownHost?.Status, Is.EqualTo(200), ownHost?.Text);
    }

    /// <summary>For the seed's old consoles a setting brings the GET deletes back; they still need credentials.</summary>
    [Test]
    public async Task The_seeds_get_deletes_come_back_only_when_allowed_and_still_need_credentials()
    {
        await using var legacy = await ControllerProcess.StartAsync(InventoryConnectionString, new Dictionary<string, string>(ControllerSettings) { ["Security:AllowGetDeletes"] = "true" });
        using var anonymous = ApiSignIn.Client(legacy.RestUrl, null);
        using var refused = await anonymous.GetAsync("/api/v1/volume/delete?volume_id=vol-00000000");
        AssertRefused(refused, await JsonOf(refused), HttpStatusCode.Unauthorized, 40101);
        using var viewer = ApiSignIn.Client(legacy.RestUrl, _viewer.Token);
        using var forbidden = await viewer.GetAsync("/api/v1/network/delete?network_interface_id=nic-00000000");
        AssertRefused(forbidden, await JsonOf(forbidden), HttpStatusCode.Forbidden, 40300);
        using var admin = ApiSignIn.Client(legacy.RestUrl, _admin.Token);
        using var missing = await admin.GetAsync("/api/v1/volume/delete?volume_id=vol-00000000");
        AssertRefused(missing, await JsonOf(missing), HttpStatusCode.NotFound, 40402);
    }

    [Test]
    public async Task Metrics_need_a_users_token()
    {
        using var anonymous = ApiSignIn.Client(Controller.RestUrl, null);
        using var refused = await anonymous.GetAsync("/metrics");
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        using var terminal = ApiSignIn.Client(Controller.RestUrl, _terminal.Token);
        using var forbidden = await terminal.GetAsync("/metrics");
        Assert.That(forbidden.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using var viewer = ApiSignIn.Client(Controller.RestUrl, _viewer.Token);
        using var scraped = await viewer.GetAsync("/metrics");
        Assert.That(scraped.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await scraped.Content.ReadAsStringAsync(), Does.Contain("http_server_request_duration_seconds"));
    }

    [Test]
    public async Task Audit_rows_name_who_made_the_change()
    {
        using var api = new RestClient(Controller.RestUrl, _operator.Token);
        var tokenId = (await api.GetAsync("/api/v1/auth/whoami")).Ok().GetProperty("credential_id").GetString()!;
        var nic = (await api.PostAsync("/api/v1/network/create", new { network_interface_name = Unique("audited") })).Ok();
        var nicId = nic.GetProperty("network_interface_id").GetString()!;
        (await api.PostAsync("/api/v1/network/delete", new { network_interface_id = nicId })).Ok();

        var events = (await Api.GetAsync("/api/v1/audit/list", ("resource_id", nicId))).Ok().GetProperty("items").EnumerateArray().ToList();
        Assert.That(events.Select(e => e.GetProperty("principal").GetString()).ToList(), Has.Count.EqualTo(2).And.All.EqualTo($"{_operator.Name} (token {tokenId})"));
    }

    /// <summary>Sign-in attempts beyond the limit (10 a minute from one address, the default) are answered 429 without checking the password.</summary>
    [Test]
    public async Task Sign_in_attempts_are_limited_per_address()
    {
        // A replica of its own: the limit is counted per controller process, and this fixture's signs in too.
        await using var replica = await ControllerProcess.StartAsync(InventoryConnectionString, ControllerSettings);
        using var http = ApiSignIn.Client(replica.RestUrl, null);
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 12; attempt++)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/auth/login", new { name = ControllerProcess.AdminName, password = "wrong password " + attempt });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var body = await JsonOf(response);
                Assert.That(body.GetProperty("code").GetInt32(), Is.EqualTo(42900));
                Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(60)));
                break;
            }
        }
        // The replica signed in once when it started (a token for the tests), in the same window unless a minute passed since.
        Assert.That(statuses[^1], Is.EqualTo(HttpStatusCode.TooManyRequests), string.Join(", ", statuses));
        Assert.That(statuses[..^1], Has.Count.InRange(9, 10).And.All.EqualTo(HttpStatusCode.Unauthorized));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient session, string path, object body, string? csrf = null, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (csrf is not null)
        {
            request.Headers.Add(ApiSignIn.CsrfHeader, csrf);
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        return await session.SendAsync(request);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.Tests.Integration.Controller;

/// <summary>Signing in to a controller as the console does, and clients that present an API token as scripts do.</summary>
internal static class ApiSignIn
{
    public const string CsrfHeader = "X-CSRF-Token";

    /// <summary>A client of <paramref name="restUrl"/> sending <paramref name="token"/> as <c>Authorization: Bearer</c> (none: anonymous).</summary>
    public static HttpClient Client(string restUrl, string? token, TimeSpan? timeout = null, HttpMessageHandler? handler = null)
    {
        var http = new HttpClient(handler ?? Infrastructure.TrustedTestAuthorities.Handler());
        http.BaseAddress = new Uri(restUrl);
        http.Timeout = timeout ?? TimeSpan.FromSeconds(120);
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    /// <summary>The cookie the controller keeps a console session in.</summary>
    public const string SessionCookie = "platform_session";

    /// <summary>
    /// A console session: a client holding the session cookie, and the CSRF token its changes
    /// must carry. Both are secrets of the run: the secret scan looks for them.
    /// </summary>
    public static async Task<(HttpClient Client, string CsrfToken)> SessionAsync(string restUrl, string user, string password)
    {
        var cookies = new CookieContainer();
        var http = new HttpClient(Infrastructure.TrustedTestAuthorities.Handler(cookies)) { BaseAddress = new Uri(restUrl), Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.PostAsJsonAsync("/api/v1/auth/login", new { name = user, password });
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"signing in as {user}: {body}");
        var sessionCookies = cookies.GetAllCookies().Where(c => c.Name == SessionCookie).ToList();
        Assert.That(sessionCookies, Is.Not.Empty, $"signing in as {user} set no {SessionCookie} cookie");
        foreach (var cookie in sessionCookies)
        {
            Infrastructure.TestSecrets.Record(cookie.Value, $"session cookie of {user}");
        }
        using var document = JsonDocument.Parse(body);
        return (http, Infrastructure.TestSecrets.Record(document.RootElement.GetProperty("data").GetProperty("csrf_token").GetString()!, $"CSRF token of a session of {user}"));
    }

    /// <summary>Signs in with the password and creates an API token (of the user's role unless <paramref name="role"/>).</summary>
    public static async Task<string> CreateTokenAsync(string restUrl, string user, string password, string? role = null)
    {
        var (session, csrf) = await SessionAsync(restUrl, user, password);
        using (session)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/tokens/create")
            {
                Content = JsonContent.Create(new Dictionary<string, string?> { ["name"] = "tests " + Guid.NewGuid().ToString("N")[..12], ["role"] = role }
                    .Where(f => f.Value is not null).ToDictionary()),
            };
            request.Headers.Add(CsrfHeader, csrf);
            using var response = await session.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"creating a token for {user}: {body}");
            using var document = JsonDocument.Parse(body);
            return Infrastructure.TestSecrets.Record(document.RootElement.GetProperty("data").GetProperty("token").GetString()!, $"API token of {user}");
        }
    }
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.Tests.Integration.Controller.OpenApi;

/// <summary>An answer as it came: status, body text, and the body as JSON (undefined when it is none).</summary>
internal sealed record RawAnswer(int Status, string Text, JsonElement Json)
{
    public override string ToString() => $"{Status} {Text}";
}

/// <summary>
/// Sends any method with a query, a JSON or form body and a bearer token (by default
/// <paramref name="defaultToken"/>), and keeps whatever comes back.
/// </summary>
internal sealed class ApiCaller(string baseUrl, string? defaultToken) : IDisposable
{
    private readonly HttpClient _http = ApiSignIn.Client(baseUrl, token: null);

    public async Task<RawAnswer> SendAsync(string method, string path, (string Name, string Value)[]? query = null, object? json = null,
        (string Name, string Value)[]? form = null, string? token = null)
    {
        var url = query is { Length: > 0 } ? path + "?" + string.Join("&", query.Select(q => $"{Uri.EscapeDataString(q.Name)}={Uri.EscapeDataString(q.Value)}")) : path;
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (json is not null)
        {
            request.Content = JsonContent.Create(json);
        }
        else if (form is not null)
        {
            request.Content = new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Name, f.Value)));
        }
        // "" asks for no credentials at all.
        token ??= defaultToken;
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement body = default;
        if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true && text.Length > 0)
        {
            body = JsonDocument.Parse(text).RootElement.Clone();
        }
        return new RawAnswer((int)response.StatusCode, text, body);
    }

    public void Dispose() => _http.Dispose();
}

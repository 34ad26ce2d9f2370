using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.Tests.Integration.Controller;

/// <summary>An /api/v1 answer: HTTP status and the envelope's code, message and data.</summary>
internal sealed record ApiResponse(HttpStatusCode Status, int Code, string Message, JsonElement Data, string Body)
{
    /// <summary>The Allow header of a 405, comma-separated.</summary>
    public string? Allow { get; init; }

    /// <summary>The whole envelope (the /thor endpoints answer some data under "result" or beside the code).</summary>
    public JsonElement Root { get; init; }

    /// <summary>The "result" of a successful /thor answer; fails the test with the body otherwise.</summary>
    public JsonElement Result()
    {
        Assert.That((Status, Code), Is.EqualTo((HttpStatusCode.OK, 0)), Body);
        return Root.GetProperty("result");
    }

    public override string ToString() => $"{(int)Status} {Body}";

    /// <summary>The data of a successful answer; fails the test with the body otherwise.</summary>
    public JsonElement Ok()
    {
        Assert.That((Status, Code), Is.EqualTo((HttpStatusCode.OK, 0)), Body);
        return Data;
    }
}

/// <summary>
/// Calls the controller's REST facade the way a script does: query strings, JSON or form bodies,
/// with an API token (<paramref name="token"/>; null: anonymous).
/// </summary>
internal sealed class RestClient(string baseUrl, string? token) : IDisposable
{
    private readonly HttpClient _http = ApiSignIn.Client(baseUrl, token);

    public Task<ApiResponse> GetAsync(string path, params (string Name, string Value)[] query)
    {
        var url = query.Length == 0 ? path : path + "?" + string.Join("&", query.Select(q => $"{Uri.EscapeDataString(q.Name)}={Uri.EscapeDataString(q.Value)}"));
        return SendAsync(new HttpRequestMessage(HttpMethod.Get, url));
    }

    public Task<ApiResponse> PostAsync(string path, object body) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) });

    /// <summary>A POST carrying the caller's own X-Request-Id, as a console correlating its logs would send.</summary>
    public Task<ApiResponse> PostAsync(string path, object body, string requestId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Request-Id", requestId);
        return SendAsync(request);
    }

    /// <summary>A multipart/form-data POST with <paramref name="file"/> as the part "file" after the plain <paramref name="fields"/>, as a browser sends it.</summary>
    public async Task<ApiResponse> UploadAsync(string path, string file, string? sentName = null, params (string Name, string Value)[] fields)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }
        await using var stream = File.OpenRead(file);
        var part = new StreamContent(stream);
        part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", sentName ?? Path.GetFileName(file));
        // As curl does for large bodies: a refusal (too large) is answered before the body is sent.
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = form };
        request.Headers.ExpectContinue = true;
        return await SendAsync(request);
    }

    public Task<ApiResponse> PutAsync(string path, object body) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body) });

    public Task<ApiResponse> PostRawAsync(string path, string contentType, string body) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, contentType) });

    public Task<ApiResponse> PostFormAsync(string path, params (string Name, string Value)[] fields) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))) });

    /// <summary>Any method on any path (spelled as given), with an optional JSON body.</summary>
    public Task<ApiResponse> SendAsync(HttpMethod method, string path, object? body = null) =>
        SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) });

    private async Task<ApiResponse> SendAsync(HttpRequestMessage request)
    {
        using (request)
        using (var response = await _http.SendAsync(request))
        {
            var body = await response.Content.ReadAsStringAsync();
            JsonElement root;
            try
            {
                root = JsonDocument.Parse(body).RootElement;
            }
            catch (JsonException)
            {
                Assert.Fail($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode} without a JSON envelope: {body}");
                throw;
            }
            Assert.That(root.TryGetProperty("code", out var code) && root.TryGetProperty("message", out _), Is.True, $"not an envelope: {body}");
            // A token answered once (an API token made, a terminal registered): the run's secret scan looks for it in every log.
            if (root.TryGetProperty("data", out var answered) && answered.ValueKind == JsonValueKind.Object
                && answered.TryGetProperty("token", out var token) && token.ValueKind == JsonValueKind.String)
            {
                Infrastructure.TestSecrets.Record(token.GetString()!, $"token answered by {request.RequestUri}");
            }
            return new ApiResponse(response.StatusCode, code.GetInt32(), root.GetProperty("message").GetString() ?? "",
                root.TryGetProperty("data", out var data) ? data.Clone() : default, body)
            {
                Allow = response.Content.Headers.Allow.Count > 0 ? string.Join(", ", response.Content.Headers.Allow) : null,
                Root = root.Clone(),
            };
        }
    }

    public void Dispose() => _http.Dispose();
}

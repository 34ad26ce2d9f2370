using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.Tests.Integration.Controller.Idempotency;

/// <summary>An answer to a request that carried an Idempotency-Key: the envelope, and whether it was a repeat's.</summary>
internal sealed record KeyedAnswer(ApiResponse Response, bool Replayed, string? RetryAfter)
{
    public override string ToString() => $"{(Replayed ? "replayed " : "")}{Response}";
}

/// <summary>Calls the REST facade with an Idempotency-Key header and an API token, as a script that retries would.</summary>
internal sealed class KeyedClient(string baseUrl, string token)
{
    private readonly HttpClient _http = ApiSignIn.Client(baseUrl, token);

    public Task<KeyedAnswer> PostAsync(string path, object body, string? key) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) }, key);

    public Task<KeyedAnswer> PostFormAsync(string path, string? key, params (string Name, string Value)[] fields) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))) }, key);

    public Task<KeyedAnswer> GetAsync(string pathAndQuery, string? key) => SendAsync(new HttpRequestMessage(HttpMethod.Get, pathAndQuery), key);

    /// <summary>A multipart upload of <paramref name="file"/> as the part "file"; every call picks a new random boundary, as browsers and curl do.</summary>
    public async Task<KeyedAnswer> UploadAsync(string path, string file, string? key)
    {
        using var form = new MultipartFormDataContent("----upload" + Guid.NewGuid().ToString("N"));
        await using var stream = File.OpenRead(file);
        var part = new StreamContent(stream);
        part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", Path.GetFileName(file));
        return await SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = form }, key);
    }

    public async Task<KeyedAnswer> SendAsync(HttpRequestMessage request, string? key)
    {
        using (request)
        {
            request.RequestUri = new Uri(new Uri(baseUrl), request.RequestUri!);
            if (key is not null)
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            }
            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            JsonElement root;
            try
            {
                root = JsonDocument.Parse(body).RootElement.Clone();
            }
            catch (JsonException)
            {
                Assert.Fail($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode} without a JSON envelope: {body}");
                throw;
            }
            Assert.That(root.TryGetProperty("code", out var code) && root.TryGetProperty("message", out _), Is.True, $"not an envelope: {body}");
            var envelope = new ApiResponse(response.StatusCode, code.GetInt32(), root.GetProperty("message").GetString() ?? "",
                root.TryGetProperty("data", out var data) ? data : default, body)
            { Root = root };
            return new KeyedAnswer(
                envelope,
                response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Single() == "true",
                response.Headers.RetryAfter?.ToString());
        }
    }
}

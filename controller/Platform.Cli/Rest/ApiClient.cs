using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Platform.Cli.Configuration;
using Platform.Cli.Output;

namespace Platform.Cli.Rest;

/// <summary>An answer of the controller, or why there was none (the controller could not be reached).</summary>
internal sealed record ApiOutcome(ApiResponse? Response, CommandFailure? Failure)
{
    public static ApiOutcome Of(ApiResponse response) => new(response, null);

    public static ApiOutcome Unreachable(string endpoint, Exception e) =>
        new(null, new CommandFailure(ExitCode.Unavailable, $"the controller at {endpoint} did not answer: {e.Message}"));
}

/// <summary>The controller's REST API: requests built from an operation's fields, responses read as envelopes.</summary>
internal sealed class ApiClient(CliSettings settings, HttpClient http) : IDisposable
{
    public static ApiClient Create(CliSettings settings)
    {
        var http = new HttpClient(Tls.Handler(settings)) { BaseAddress = new Uri(settings.Endpoint + "/"), Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("platformctl", typeof(ApiClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
        if (settings.Token is { Length: > 0 } token)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return new ApiClient(settings, http);
    }

    public string Endpoint => settings.Endpoint;

    public Task<ApiOutcome> GetAsync(string path, IReadOnlyDictionary<string, JsonNode?> query, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, Relative(path) + QueryString(query)), ct);

    public Task<ApiOutcome> SendJsonAsync(string method, string path, JsonObject body, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(new HttpMethod(method), Relative(path))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        }, ct);

    /// <summary>A multipart form: the file (its bytes read as they are sent, reported to <paramref name="progress"/>) and the fields.</summary>
    public async Task<ApiOutcome> UploadAsync(string path, string file, IReadOnlyDictionary<string, JsonNode?> fields, IProgressSink progress, CancellationToken ct)
    {
        await using var stream = File.OpenRead(file);
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(QueryValue(value)), name);
        }
        var content = new StreamContent(new ProgressStream(stream, stream.Length, progress));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "file", Path.GetFileName(file));
        return await SendAsync(new HttpRequestMessage(HttpMethod.Post, Relative(path)) { Content = form }, ct);
    }

    /// <summary>A file (not an envelope) into <paramref name="target"/>; a failure is read as the envelope it is.</summary>
    public async Task<ApiOutcome> DownloadAsync(string path, string target, IProgressSink progress, CancellationToken ct)
    {
        try
        {
            using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, Relative(path)), HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                return ApiOutcome.Of(ApiResponse.Parse((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct)));
            }
            var total = response.Content.Headers.ContentLength;
            await using var source = await response.Content.ReadAsStreamAsync(ct);
            await using var destination = File.Create(target);
            var buffer = new byte[81920];
            long done = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), ct);
                done += read;
                progress.Report(total is > 0 ? 100.0 * done / total.Value : 0, $"{done} bytes");
            }
            progress.Report(100, $"{done} bytes");
            return ApiOutcome.Of(new ApiResponse((int)response.StatusCode, 0, "ok", JsonSerializerElement(new JsonObject { ["file"] = target, ["bytes"] = done })));
        }
        catch (HttpRequestException e)
        {
            return ApiOutcome.Unreachable(Endpoint, e);
        }
    }

    private async Task<ApiOutcome> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            try
            {
                using var response = await http.SendAsync(request, ct);
                return ApiOutcome.Of(ApiResponse.Parse((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct)));
            }
            catch (HttpRequestException e)
            {
                return ApiOutcome.Unreachable(Endpoint, e);
            }
        }
    }

    private static System.Text.Json.JsonElement JsonSerializerElement(JsonNode node) =>
        System.Text.Json.JsonDocument.Parse(node.ToJsonString()).RootElement.Clone();

    // Relative to the endpoint, so an endpoint with a path prefix (a reverse proxy) keeps it.
    private static string Relative(string path) => path.TrimStart('/');

    public static string QueryString(IReadOnlyDictionary<string, JsonNode?> query)
    {
        var pairs = query.Where(p => p.Value is not null).Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(QueryValue(p.Value))}").ToList();
        return pairs.Count == 0 ? "" : "?" + string.Join('&', pairs);
    }

    /// <summary>A value in a query string or form: text as is, bool lower-case, lists and objects as JSON.</summary>
    public static string QueryValue(JsonNode? value) => value switch
    {
        null => "",
        JsonValue scalar when scalar.TryGetValue<string>(out var text) => text,
        JsonValue scalar when scalar.TryGetValue<bool>(out var flag) => flag ? "true" : "false",
        _ => value.ToJsonString(),
    };

    public void Dispose() => http.Dispose();

    /// <summary>Reports how much of the file the request body has read.</summary>
    private sealed class ProgressStream(Stream inner, long length, IProgressSink progress) : Stream
    {
        private long _read;

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            progress.Report(length > 0 ? 100.0 * _read / length : 100, $"{_read} of {length} bytes sent");
            return read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

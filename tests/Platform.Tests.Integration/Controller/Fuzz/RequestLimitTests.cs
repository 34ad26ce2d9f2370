using System.Text;
using System.Text.Json;

namespace Platform.Tests.Integration.Controller.Fuzz;

/// <summary>
/// The answers Kestrel writes itself, before any middleware: up to a margin above the
/// controller's own limits (SizeLimits), a request line or headers too large are answered by the
/// controller, in the envelope (414 / 431); only what is far beyond them, or what is not HTTP
/// Kestrel can parse at all, gets Kestrel's bare status with an empty body.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("Fuzz")]
public sealed class RequestLimitTests : ControllerTestBase
{
    private const string Path = "/api/v1/images/list";

    private RawHttpClient Http => new(Controller.RestUrl, Controller.Token);

    [Test]
    public async Task A_request_line_or_headers_over_the_controllers_limits_are_answered_in_the_envelope()
    {
        await AssertEnvelopeAsync(Get(Path + "?q=" + new string('u', 9 * 1024)), 414, 41400);
        await AssertEnvelopeAsync(Get(Path, ("X-Big", new string('h', 40 * 1024))), 431, 43100);
        await AssertEnvelopeAsync(Get(Path, Enumerable.Range(0, 101).Select(i => ($"X-H{i}", "1")).ToArray()), 431, 43100);
        // The same on unknown paths and outside the facade's routes: the limits come first.
        await AssertEnvelopeAsync(Get("/api/v1/nope?q=" + new string('u', 9 * 1024)), 414, 41400);

        // Just under the limits: served as usual.
        Assert.That((await Http.SendAsync(Get(Path + "?q=" + new string('u', 7 * 1024))))?.Status, Is.EqualTo(200));
        Assert.That((await Http.SendAsync(Get(Path, ("X-Big", new string('h', 30 * 1024)))))?.Status, Is.EqualTo(200));
        Assert.That((await Http.SendAsync(Get(Path, Enumerable.Range(0, 90).Select(i => ($"X-H{i}", "1")).ToArray())))?.Status, Is.EqualTo(200));
    }

    [Test]
    public async Task Far_beyond_the_limits_or_not_parsable_Kestrel_answers_bare()
    {
        await AssertBareAsync(await Http.SendAsync(Get(Path + "?q=" + new string('u', 80 * 1024))), 414, "a request line over Kestrel's 64 KiB");
        await AssertBareAsync(await Http.SendAsync(Get(Path, ("X-Big", new string('h', 300 * 1024)))), 431, "headers over Kestrel's 256 KiB");
        await AssertBareAsync(await Http.SendAsync(Get(Path, Enumerable.Range(0, 450).Select(i => ($"X-H{i}", "1")).ToArray())), 431, "over Kestrel's 400 header lines");
        await AssertBareAsync(await Http.SendBytesAsync("GARBAGE\r\n\r\n"u8.ToArray()), 400, "no request line");
        await AssertBareAsync(await Http.SendBytesAsync(Encoding.ASCII.GetBytes($"GET {Path} HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n")), 400, "a header line without a colon");
        await AssertBareAsync(await Http.SendBytesAsync(Encoding.ASCII.GetBytes($"GET {Path} HTTP/1.1\r\nHost: x\r\nX-Nul: a\0b\r\n\r\n")), 400, "NUL in a header value");
        await AssertBareAsync(await Http.SendBytesAsync(Encoding.ASCII.GetBytes($"GET {Path}%00 HTTP/1.1\r\nHost: x\r\n\r\n")), 400, "an encoded NUL in the path");
        await AssertBareAsync(await Http.SendBytesAsync(Encoding.ASCII.GetBytes($"GET {Path} HTTP/9.9\r\nHost: x\r\n\r\n")), 505, "an unknown HTTP version");
    }

    [Test]
    public async Task A_malformed_body_Kestrel_finds_while_the_endpoint_reads_it_is_answered_in_the_envelope()
    {
        var head = $"POST /api/v1/images/create HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {Controller.Token}\r\nConnection: close\r\nContent-Type: application/json\r\n";
        var badChunk = await Http.SendBytesAsync(Encoding.ASCII.GetBytes(head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"));
        await AssertEnvelopeAsync(badChunk, 400, 40000, "a chunk size that is not hex");
        var both = await Http.SendBytesAsync(Encoding.ASCII.GetBytes(head + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
        Assert.That(both?.Status, Is.InRange(400, 499), $"Content-Length beside chunked: {both?.Status} {both?.Text}");
    }

    private async Task AssertEnvelopeAsync(RawRequest request, int status, int code) =>
        await AssertEnvelopeAsync(await Http.SendAsync(request), status, code, $"{request.Method} {request.Target[..Math.Min(60, request.Target.Length)]}");

    private static Task AssertEnvelopeAsync(RawResponse? response, int status, int code, string what)
    {
        Assert.That(response, Is.Not.Null, what + ": no answer");
        var root = JsonDocument.Parse(response!.Body).RootElement;
        Assert.That((response.Status, root.GetProperty("code").GetInt32()), Is.EqualTo((status, code)), $"{what}: {response.Status} {response.Text}");
        Assert.That(root.GetProperty("message").GetString(), Is.Not.Empty, what);
        return Task.CompletedTask;
    }

    private static Task AssertBareAsync(RawResponse? response, int status, string what)
    {
        Assert.That(response, Is.Not.Null, what + ": no answer");
        Assert.That((response!.Status, response.Body.Length), Is.EqualTo((status, 0)), $"{what}: Kestrel's own answer, bare: {response.Text}");
        return Task.CompletedTask;
    }

    private static RawRequest Get(string target, params (string Name, string Value)[] headers) =>
        new("GET", target, headers.Select(h => KeyValuePair.Create(h.Name, h.Value)).ToList(), []);
}

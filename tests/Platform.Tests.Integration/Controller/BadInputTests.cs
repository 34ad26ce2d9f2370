using System.Net;
using System.Text;
using System.Text.Json;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// Bad input that used to answer 500 (issue: duplicate keys, invalid UTF-8, lone surrogates, NUL,
/// form limits, multipart, chunked bodies past the limit): each is a 4xx in the envelope, naming
/// what is wrong, and stores nothing.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class BadInputTests : ControllerTestBase
{
    private static IEnumerable<TestCaseData> JsonBodies()
    {
        yield return new TestCaseData("{\"image_name\":\"a\",\"image_name\":\"b\",\"image_size\":1048576,\"os_type\":\"Linux\"}"u8.ToArray(), "image_name").SetName("duplicate key");
        yield return new TestCaseData("{\"x\":{\"a\":1,\"a\":2},\"image_name\":\"q\",\"image_size\":1048576,\"os_type\":\"Linux\"}"u8.ToArray(), "a").SetName("duplicate nested key");
        yield return new TestCaseData("{\"image_name\":\"\\ud800\",\"image_size\":1048576,\"os_type\":\"Linux\"}"u8.ToArray(), "image_name").SetName("lone surrogate escape");
        yield return new TestCaseData("{\"image_name\":\"a\\u0000b\",\"image_size\":1048576,\"os_type\":\"Linux\"}"u8.ToArray(), "image_name").SetName("NUL in a string");
        yield return new TestCaseData(new byte[] { (byte)'{', (byte)'"', (byte)'i', (byte)'"', (byte)':', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)'}' }, "i").SetName("invalid UTF-8");
    }

    [TestCaseSource(nameof(JsonBodies))]
    public async Task A_json_body_no_field_may_hold_is_refused_and_stores_nothing(byte[] body, string named)
    {
        var before = await InventorySnapshotAsync();
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var (status, root, text) = await SendAsync(HttpMethod.Post, "/api/v1/images/create", content);
        Assert.That((int)status, Is.InRange(400, 499), text);
        Assert.That(root.GetProperty("code").GetInt32(), Is.InRange(40000, 49999), text);
        Assert.That(text, Does.Contain(named), "the answer names what is wrong");
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Bad_forms_multipart_and_oversized_chunked_bodies_are_refused_in_the_envelope()
    {
        var before = await InventorySnapshotAsync();
        var cases = new List<(string What, HttpContent Content, HttpStatusCode Status)>
        {
            ("NUL in a form value", new StringContent("image_id=ami-00000000&image_name=a%00b", Encoding.ASCII, "application/x-www-form-urlencoded"), HttpStatusCode.BadRequest),
            ("NUL in a form key", new StringContent("image_id=ami-00000000&image%00name=a", Encoding.ASCII, "application/x-www-form-urlencoded"), HttpStatusCode.BadRequest),
            ("1,025 form keys", new StringContent(string.Join('&', Enumerable.Range(0, 1025).Select(i => $"k{i}=v")), Encoding.ASCII, "application/x-www-form-urlencoded"), HttpStatusCode.BadRequest),
            ("a 2,049-character key", new StringContent(new string('k', 2049) + "=v", Encoding.ASCII, "application/x-www-form-urlencoded"), HttpStatusCode.BadRequest),
            ("multipart without a boundary", new StringContent("garbage", Encoding.ASCII, "multipart/form-data"), HttpStatusCode.BadRequest),
        };
        foreach (var (what, content, expected) in cases)
        {
            using (content)
            {
                var (status, root, text) = await SendAsync(HttpMethod.Post, "/api/v1/images/update", content);
                Assert.That(status, Is.EqualTo(expected), $"{what}: {text}");
                Assert.That(root.GetProperty("code").GetInt32() / 100, Is.EqualTo((int)expected), $"{what}: {text}");
            }
        }

        // 2 MiB without Content-Length: the limit holds on the stream too.
        var chunked = new PushStreamContent2(2 << 20);
        var (bigStatus, bigRoot, bigText) = await SendAsync(HttpMethod.Post, "/api/v1/images/create", chunked);
        Assert.That((bigStatus, bigRoot.GetProperty("code").GetInt32()), Is.EqualTo((HttpStatusCode.RequestEntityTooLarge, 41301)), bigText);

        var (filterStatus, _, filterText) = await SendAsync(HttpMethod.Get, "/thor/voi/image_relate_drive?ids=" + Uri.EscapeDataString("[\"\\ud800\"]"), null);
        Assert.That(filterStatus, Is.EqualTo(HttpStatusCode.BadRequest), filterText);

        var (caseStatus, caseRoot, caseText) = await SendAsync(HttpMethod.Get, "/API/V1/images/list", null);
        Assert.That((caseStatus, caseRoot.GetProperty("code").GetInt32()), Is.EqualTo((HttpStatusCode.NotFound, 40400)), caseText);
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));
    }

    private async Task<(HttpStatusCode Status, JsonElement Root, string Text)> SendAsync(HttpMethod method, string path, HttpContent? content)
    {
        using var http = ApiSignIn.Client(Controller.RestUrl, Controller.Token);
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            Assert.Fail($"{method} {path} answered {(int)response.StatusCode} without the envelope: {text}");
            throw;
        }
        Assert.That(root.TryGetProperty("code", out _) && root.TryGetProperty("message", out _), Is.True, $"not an envelope: {text}");
        return (response.StatusCode, root, text);
    }

    /// <summary>A JSON body of <paramref name="bytes"/> sent chunked (no Content-Length).</summary>
    private sealed class PushStreamContent2 : HttpContent
    {
        private readonly int _bytes;

        public PushStreamContent2(int bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync("{\"describe\":\""u8.ToArray());
            var chunk = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
            for (var written = 0; written < _bytes; written += chunk.Length)
            {
                try
                {
                    await stream.WriteAsync(chunk);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    // The server stopped reading at its limit and answered.
                    return;
                }
            }
            await stream.WriteAsync("\"}"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

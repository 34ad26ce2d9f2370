using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.Tests.Integration.DriverDisk;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.DriverCenter;

/// <summary>
/// A terminal as the seed's tool disk syncs it, through the terminal API only: it registers,
/// downloads the base and then deltas with interrupted-and-resumed ranges, checks every hash,
/// applies the deltas with qemu-img, and ends with the server's disk; saves and downloads
/// exclude each other.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class TerminalSyncTests : DriverCenterTestBase
{
    [Test]
    public async Task A_terminal_syncs_base_and_deltas_with_resumed_ranges_and_ends_with_the_servers_disk()
    {
        using var terminal = await RegisterAsync();
        await UploadDriverAsync((await UniversalDriverFileAsync("sync")).Path);
        var v1 = await SaveAsync();

        var manifest = await terminal.ManifestAsync();
        Assert.That(manifest.GetProperty("version").GetInt64(), Is.EqualTo(v1));
        Assert.That(manifest.GetProperty("deltas").GetArrayLength(), Is.Zero, "a new terminal starts from the base");
        var baseFile = manifest.GetProperty("base");

        (await terminal.ReportAsync(0, downloading: true)).Ok();
        AssertRefused(await Api.PostAsync("/thor/voi/driver/mount", new { is_mounted = false }), HttpStatusCode.Conflict, 40911, "保存失败，当前有下发任务");
        Assert.That((await Api.GetAsync("/thor/voi/terminal/update_status")).Ok().GetProperty("is_send_task").GetInt32(), Is.EqualTo(1));

        var directory = Directory.CreateDirectory(Path.Combine(WorkDirectory, Unique("terminal"))).FullName;
        var localBase = Path.Combine(directory, "base.qcow2");
        await terminal.DownloadInterruptedAsync(baseFile, localBase);
        (await terminal.ReportAsync(v1, downloading: false)).Ok();
        Assert.That((await Api.GetAsync("/thor/voi/terminal/update_status")).Ok().GetProperty("is_send_task").GetInt32(), Is.Zero);

        await UploadDriverAsync(ExtractedDriverFile("sync").Path);
        var v2 = await SaveAsync();
        var next = await terminal.ManifestAsync();
        Assert.That(next.GetProperty("base").ValueKind, Is.EqualTo(JsonValueKind.Null), "a terminal at a kept version needs only deltas");
        var delta = next.GetProperty("deltas").EnumerateArray().Single();
        Assert.That((delta.GetProperty("from_version").GetInt64(), delta.GetProperty("to_version").GetInt64()), Is.EqualTo((v1, v2)));
        Assert.That(delta.GetProperty("parent_md5").GetString(), Is.EqualTo(baseFile.GetProperty("md5").GetString()), "the delta applies to the base the terminal holds");
        var localDelta = Path.Combine(directory, "delta.qcow2");
        await terminal.DownloadInterruptedAsync(delta, localDelta);
        (await ChildProcess.RunAsync("qemu-img", ["rebase", "-u", "-b", "base.qcow2", "-F", "qcow2", localDelta], TimeSpan.FromMinutes(5))).EnsureSuccess();
        (await ChildProcess.RunAsync("qemu-img", ["commit", "-q", localDelta], TimeSpan.FromMinutes(10))).EnsureSuccess();
        (await terminal.ReportAsync(v2, downloading: false)).Ok();

        // The server's base of v2, downloaded whole by a second terminal, has the same content.
        using var fresh = await RegisterAsync();
        var serverBase = Path.Combine(directory, "server-base.qcow2");
        await fresh.DownloadWholeAsync((await fresh.ManifestAsync()).GetProperty("base"), serverBase);
        var compare = await ChildProcess.RunAsync("qemu-img", ["compare", "-f", "qcow2", "-F", "qcow2", localBase, serverBase], TimeSpan.FromMinutes(5));
        Assert.That(compare.ExitCode, Is.Zero, $"the terminal's merged disk equals the server's: {compare.StandardOutput} {compare.StandardError}");
    }

    [Test]
    public async Task Ranges_etags_and_credentials_are_checked()
    {
        using var terminal = await RegisterAsync();
        var baseFile = (await terminal.ManifestAsync()).GetProperty("base");
        var url = baseFile.GetProperty("url").GetString()!;
        var size = baseFile.GetProperty("size").GetInt64();

        using var head = await terminal.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
        Assert.That((head.StatusCode, head.Content.Headers.ContentLength, head.Headers.ETag?.Tag), Is.EqualTo((HttpStatusCode.OK, size, $"\"{baseFile.GetProperty("md5").GetString()}\"")));
        Assert.That(head.Headers.AcceptRanges, Does.Contain("bytes"));
        var tail = new HttpRequestMessage(HttpMethod.Get, url);
        tail.Headers.Range = new RangeHeaderValue(null, 100);
        using (var answer = await terminal.SendAsync(tail))
        {
            Assert.That((answer.StatusCode, (await answer.Content.ReadAsByteArrayAsync()).Length), Is.EqualTo((HttpStatusCode.PartialContent, 100)));
            Assert.That(answer.Content.Headers.ContentRange?.ToString(), Is.EqualTo($"bytes {size - 100}-{size - 1}/{size}"));
        }
        var outside = new HttpRequestMessage(HttpMethod.Get, url);
        outside.Headers.Range = new RangeHeaderValue(size + 10, null);
        using (var answer = await terminal.SendAsync(outside))
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.RequestedRangeNotSatisfiable));
            Assert.That(answer.Content.Headers.ContentRange?.ToString(), Is.EqualTo($"bytes */{size}"));
        }
        var stale = new HttpRequestMessage(HttpMethod.Get, url);
        stale.Headers.Range = new RangeHeaderValue(0, 9);
        stale.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"0000\""));
        using (var answer = await terminal.SendAsync(stale))
        {
            Assert.That((answer.StatusCode, answer.Content.Headers.ContentLength), Is.EqualTo((HttpStatusCode.OK, size)), "a changed file is sent whole");
        }
        using (var unknown = await terminal.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/thor/voi/terminal/files/..%2Fstate.json")))
        {
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "only the manifest's files are served");
        }

        using var anonymousApi = new RestClient(Controller.RestUrl, token: null);
        var anonymous = await anonymousApi.GetAsync("/thor/voi/terminal/manifest");
        Assert.That((anonymous.Status, anonymous.Code), Is.EqualTo((HttpStatusCode.Unauthorized, 40100)), anonymous.Body);
        var user = await Api.GetAsync("/thor/voi/terminal/manifest");
        Assert.That((user.Status, user.Code), Is.EqualTo((HttpStatusCode.Forbidden, 40300)), "a user's token is not a terminal's");
        using var http = ApiSignIn.Client(Controller.RestUrl, token: null);
        using (var noToken = await http.GetAsync(url))
        {
            Assert.That(noToken.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }
        var takeover = await Api.PostAsync("/thor/voi/terminal/register", new { name = "imposter", mac = terminal.Mac });
        Assert.That((takeover.Status, takeover.Code), Is.EqualTo((HttpStatusCode.Conflict, 40906)), "a registered MAC needs its token: " + takeover.Body);
    }

    [Test]
    public async Task Auto_update_notifications_long_polls_printers_and_a_download_refused_while_merging()
    {
        using var terminal = await RegisterAsync();
        var current = (await terminal.ManifestAsync()).GetProperty("version").GetInt64();
        (await terminal.ReportAsync(current, downloading: false)).Ok();

        (await Api.PostAsync("/thor/voi/driver/mount", new { is_auto_update = false })).Result();
        try
        {
            // A long poll started before the save answers with the new version.
            var poll = terminal.ManifestAsync($"?known_version={current}&wait=60");
            var big = Archives.Zip(new Dictionary<string, byte[]> { ["big/blob.sys"] = DriverArchives.Bytes(7 << 20, seed: 11) }, Unique("big") + ".tq");
            await UploadDriverAsync(big);
            var started = (await Api.PostAsync("/thor/voi/driver/mount", new { is_mounted = false })).Result();
            // The save answered with state 2 in the transaction that began it; merging 7 MiB takes
            // far longer than the next request, so the terminal meets the merge.
            AssertRefused(await terminal.ReportAsync(current, downloading: true), HttpStatusCode.Conflict, 40914, "驱动中心正忙，请稍后再试");
            // A poll answers at the latest after its wait; one started before the save ends answers with the new version.
            var updated = await poll;
            var deadline = DateTime.UtcNow + SaveTimeout;
            while (updated.GetProperty("version").GetInt64() == current && DateTime.UtcNow < deadline)
            {
                updated = await terminal.ManifestAsync($"?known_version={current}&wait=60");
            }
            Assert.That(updated.GetProperty("version").GetInt64(), Is.GreaterThan(current), $"a long poll answered with the version of save {started.GetProperty("task_id").GetString()}");
            Assert.That((await MountStateAsync()).GetProperty("mount_status").GetInt32(), Is.EqualTo(1), "the new version is there once the save is done");
            Assert.That(updated.GetProperty("update").GetBoolean(), Is.False, "auto-update off: not told to update");
            (await Api.PostAsync("/thor/voi/terminal/notify", new { ids = new[] { terminal.Id } })).Ok();
            Assert.That((await terminal.ManifestAsync()).GetProperty("update").GetBoolean(), Is.True, "told by the console");
        }
        finally
        {
            (await Api.PostAsync("/thor/voi/driver/mount", new { is_auto_update = true })).Result();
        }

        var zip = Archives.Zip(new Dictionary<string, byte[]> { ["extracted/printer.inf"] = [1, 2, 3] }, Unique("from-terminal") + ".zip");
        var uploaded = await terminal.UploadPrinterAsync(zip);
        Assert.That((uploaded.GetProperty("upload_type").GetInt32(), uploaded.GetProperty("client_mac").GetString(), uploaded.GetProperty("client_name").GetString()),
            Is.EqualTo((1, terminal.Mac, terminal.Name)));
        var printerId = uploaded.GetProperty("id").GetInt64();
        var assigned = (await Api.PostAsync("/thor/voi/printer/terminals", new { id = printerId, terminal_ids = new[] { terminal.Id } })).Result();
        Assert.That(assigned.GetProperty("client_nums").GetInt32(), Is.EqualTo(1));
        var printers = (await terminal.ManifestAsync()).GetProperty("printers").EnumerateArray().Select(p => p.GetProperty("id").GetInt64());
        Assert.That(printers, Is.EquivalentTo(new[] { printerId }), "a terminal receives the printers assigned to it");
    }

    private async Task<SimulatedTerminal> RegisterAsync()
    {
        var mac = string.Join(':', new[] { "52", "54", "00" }.Concat(RandomNumberGenerator.GetBytes(3).Select(b => b.ToString("x2"))));
        var name = Unique("term");
        var registered = (await Api.PostAsync("/thor/voi/terminal/register", new { name, mac })).Ok();
        return new SimulatedTerminal(Controller.RestUrl, registered.GetProperty("terminal_id").GetInt64(), name, mac, registered.GetProperty("token").GetString()!);
    }

    /// <summary>A terminal's HTTP side: its token on every call.</summary>
    private sealed class SimulatedTerminal : IDisposable
    {
        private readonly HttpClient _http;

        public SimulatedTerminal(string baseUrl, long id, string name, string mac, string token)
        {
            (Id, Name, Mac) = (id, name, mac);
            _http = ApiSignIn.Client(baseUrl, token, TimeSpan.FromMinutes(3));
        }

        public long Id { get; }

        public string Name { get; }

        public string Mac { get; }

        public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _http.SendAsync(request);

        public async Task<JsonElement> ManifestAsync(string query = "")
        {
            using var response = await _http.GetAsync("/thor/voi/terminal/manifest" + query);
            var body = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            return JsonDocument.Parse(body).RootElement.GetProperty("data").Clone();
        }

        public async Task<ApiResponse> ReportAsync(long version, bool downloading)
        {
            using var response = await _http.PostAsJsonAsync("/thor/voi/terminal/state", new { tool_disk_version = version, is_downloading = downloading });
            var body = await response.Content.ReadAsStringAsync();
            var root = JsonDocument.Parse(body).RootElement;
            return new ApiResponse(response.StatusCode, root.GetProperty("code").GetInt32(), root.GetProperty("message").GetString() ?? "",
                root.TryGetProperty("data", out var data) ? data.Clone() : default, body) { Root = root.Clone() };
        }

        public async Task<JsonElement> UploadPrinterAsync(string zip)
        {
            using var form = new MultipartFormDataContent();
            await using var stream = File.OpenRead(zip);
            form.Add(new StreamContent(stream), "file", Path.GetFileName(zip));
            using var response = await _http.PostAsync("/thor/voi/terminal/printer/upload", form);
            var body = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            return JsonDocument.Parse(body).RootElement.GetProperty("result")[0].Clone();
        }

        /// <summary>Downloads the first half, "loses the connection", resumes from where it stopped with If-Range, then checks both hashes.</summary>
        public async Task DownloadInterruptedAsync(JsonElement file, string path)
        {
            var url = file.GetProperty("url").GetString()!;
            var size = file.GetProperty("size").GetInt64();
            var half = size / 2;
            await using (var output = File.Create(path))
            {
                var first = new HttpRequestMessage(HttpMethod.Get, url);
                first.Headers.Range = new RangeHeaderValue(0, half - 1);
                using (var answer = await _http.SendAsync(first, HttpCompletionOption.ResponseHeadersRead))
                {
                    Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
                    await (await answer.Content.ReadAsStreamAsync()).CopyToAsync(output);
                }
                Assert.That(output.Length, Is.EqualTo(half));
                var rest = new HttpRequestMessage(HttpMethod.Get, url);
                rest.Headers.Range = new RangeHeaderValue(output.Length, null);
                rest.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{file.GetProperty("md5").GetString()}\""));
                using (var answer = await _http.SendAsync(rest, HttpCompletionOption.ResponseHeadersRead))
                {
                    Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
                    Assert.That(answer.Content.Headers.ContentRange?.ToString(), Is.EqualTo($"bytes {half}-{size - 1}/{size}"));
                    await (await answer.Content.ReadAsStreamAsync()).CopyToAsync(output);
                }
            }
            CheckHashes(file, path);
        }

        public async Task DownloadWholeAsync(JsonElement file, string path)
        {
            using (var answer = await _http.GetAsync(file.GetProperty("url").GetString()!, HttpCompletionOption.ResponseHeadersRead))
            {
                Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                await using var output = File.Create(path);
                await (await answer.Content.ReadAsStreamAsync()).CopyToAsync(output);
            }
            CheckHashes(file, path);
        }

        [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "The manifest's checksum, not a security control.")]
        private static void CheckHashes(JsonElement file, string path)
        {
            using var stream = File.OpenRead(path);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
            stream.Position = 0;
            var md5 = Convert.ToHexStringLower(MD5.HashData(stream));
            Assert.That((md5, sha256, stream.Length), Is.EqualTo((file.GetProperty("md5").GetString(), file.GetProperty("sha256").GetString(), file.GetProperty("size").GetInt64())),
                "the downloaded file matches its manifest entry");
        }

        public void Dispose() => _http.Dispose();
    }
}

using System.Security.Cryptography;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Grpc;

/// <summary>
/// grpcio (Debian's python3-grpcio, C core) as the client of the environment's agent over
/// mutual TLS: every call shape of the contract, rich errors, deadlines and health, as a foreign
/// implementation sees them on the wire.
/// </summary>
public class InteropPythonClientTests
{
    private static readonly string[] UploadThenDownload = ["upload", "download"];
    private static readonly string[] BadHeaderFields = ["header.name", "header.md5"];
    private static readonly string[] BadRequestType = ["type.googleapis.com/google.rpc.BadRequest"];

    private static EnvironmentAgent Agent() => EnvironmentAgent.Require();

    private static string UniqueName(string what) => $"interop-py-{what}-{Guid.NewGuid():N}.bin";

    [Test]
    public async Task Python_grpcio_client_gets_agent_info_naming_the_platform_contract_version()
    {
        var seen = await InteropPeers.RunPythonScenarioAsync("agent_info", Agent().PeerArguments());

        var response = seen.GetProperty("response");
        Assert.Multiple(() =>
        {
            Assert.That(seen.Text("code"), Is.EqualTo("OK"), () => seen.ToString());
            Assert.That(response.Strings("contract_versions"), Does.Contain("platform.agent.v1"));
            Assert.That(response.Text("agent_version"), Is.Not.Empty);
            Assert.That(response.Text("hostname"), Is.EqualTo(Environment.MachineName));
            Assert.That(response.GetProperty("started_at").GetUInt64(), Is.InRange(1_600_000_000UL, (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        });
    }

    [Test]
    public async Task Python_grpcio_client_uploads_by_client_stream_and_the_agent_returns_the_same_md5()
    {
        var directory = Directory.CreateTempSubdirectory("platform-interop-").FullName;
        try
        {
            var file = Path.Combine(directory, "upload.bin");
            var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 321);
            await File.WriteAllBytesAsync(file, bytes);
            var name = UniqueName("upload");

            var seen = await InteropPeers.RunPythonScenarioAsync("upload", [.. Agent().PeerArguments(), "--name", name, "--file", file]);

            var expectedMd5 = InteropPeers.Md5Hex(bytes);
            var response = seen.GetProperty("response");
            Assert.Multiple(() =>
            {
                Assert.That(seen.Text("code"), Is.EqualTo("OK"), () => seen.ToString());
                Assert.That(seen.GetProperty("sent_chunks").GetInt32(), Is.GreaterThan(40), "the bytes went as many data messages");
                Assert.That(seen.Text("sent_md5"), Is.EqualTo(expectedMd5));
                Assert.That(response.Text("md5"), Is.EqualTo(expectedMd5));
                Assert.That(response.GetProperty("size_bytes").GetInt64(), Is.EqualTo(bytes.Length));
                Assert.That(response.Text("name"), Is.EqualTo(name));
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Python_grpcio_client_downloads_by_server_stream_exactly_the_bytes_it_uploaded()
    {
        var directory = Directory.CreateTempSubdirectory("platform-interop-").FullName;
        try
        {
            var file = Path.Combine(directory, "upload.bin");
            var downloaded = Path.Combine(directory, "download.bin");
            // More than two of the agent's 1 MiB chunks, not a multiple of them.
            var bytes = RandomNumberGenerator.GetBytes(2 * 1024 * 1024 + 4099);
            await File.WriteAllBytesAsync(file, bytes);

            var observations = await InteropPeers.RunPythonClientAsync(
                [.. Agent().PeerArguments(), "--name", UniqueName("download"), "--file", file, "--out", downloaded, "upload", "download"]);

            Assert.That(observations.Select(o => o.Text("scenario")), Is.EqualTo(UploadThenDownload));
            var (upload, download) = (observations[0], observations[1]);
            Assert.Multiple(() =>
            {
                Assert.That(upload.Text("code"), Is.EqualTo("OK"), () => upload.ToString());
                Assert.That(download.Text("code"), Is.EqualTo("OK"), () => download.ToString());
                Assert.That(download.GetProperty("chunks").GetInt32(), Is.GreaterThanOrEqualTo(3), "a stream of several chunks");
                Assert.That(download.GetProperty("offsets_contiguous").GetBoolean(), Is.True, "each chunk's offset follows the previous one");
            });
            Assert.That(InteropPeers.Difference(await File.ReadAllBytesAsync(downloaded), bytes), Is.EqualTo("equal"), "what grpcio downloaded");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Python_grpcio_client_gzip_compressed_upload_crosses_the_wire_compressed_and_arrives_intact()
    {
        var directory = Directory.CreateTempSubdirectory("platform-interop-").FullName;
        var agent = Agent();
        await using var counter = InteropByteCounter.InFrontOf(agent.Target);
        try
        {
            var file = Path.Combine(directory, "upload.bin");
            var bytes = InteropPeers.CompressibleBytes(4 * 1024 * 1024);
            await File.WriteAllBytesAsync(file, bytes);

            var upload = await InteropPeers.RunPythonScenarioAsync(
                "upload", [.. agent.PeerArguments(counter.Rewrite(agent.Target)), "--compression", "gzip", "--name", UniqueName("gzip"), "--file", file]);

            Assert.Multiple(() =>
            {
                Assert.That(upload.Text("code"), Is.EqualTo("OK"), () => upload.ToString());
                Assert.That(upload.GetProperty("response").Text("md5"), Is.EqualTo(InteropPeers.Md5Hex(bytes)), "the agent inflated exactly the bytes sent");
                Assert.That(counter.BytesToServer, Is.LessThan(bytes.Length / 10), "grpc-encoding: gzip messages on the wire");
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Python_grpcio_client_sees_invalid_argument_with_a_bad_request_listing_both_bad_header_fields()
    {
        var seen = await InteropPeers.RunPythonScenarioAsync(
            "upload", [.. Agent().PeerArguments(), "--name", "../x", "--md5", "not-an-md5", "--size", "1000"]);

        Assert.That(seen.Text("code"), Is.EqualTo("INVALID_ARGUMENT"), () => seen.ToString());
        var rich = seen.GetProperty("rich_status");
        Assert.That(rich.ValueKind, Is.EqualTo(JsonValueKind.Object), () => $"grpc-status-details-bin decoded: {seen}");
        var details = rich.GetProperty("details").EnumerateArray().ToList();
        Assert.That(details.Select(d => d.Text("type_url")), Is.EqualTo(BadRequestType));
        var violations = details[0].GetProperty("field_violations").EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(rich.GetProperty("code").GetInt32(), Is.EqualTo(3), "google.rpc.Status.code is INVALID_ARGUMENT");
            Assert.That(rich.Text("message"), Is.EqualTo(seen.Text("details")), "google.rpc.Status.message is grpc-message");
            Assert.That(violations.Select(v => v.Text("field")), Is.EquivalentTo(BadHeaderFields));
            Assert.That(violations.Select(v => v.Text("description")), Has.All.Not.Empty);
        });
    }

    [Test]
    public async Task Python_grpcio_client_message_over_the_agent_4_mib_limit_is_refused_with_resource_exhausted()
    {
        var name = UniqueName("too-big");

        var seen = await InteropPeers.RunPythonScenarioAsync(
            "upload", [.. Agent().PeerArguments(), "--name", name, "--size", "6000000", "--chunk-size", "5000000"]);

        Assert.Multiple(() =>
        {
            Assert.That(seen.Text("code"), Is.EqualTo("RESOURCE_EXHAUSTED"), () => seen.ToString());
            Assert.That(seen.Text("details"), Does.Contain("maximum configured message size"), "the refusal says why");
        });
    }

    [Test]
    public async Task Python_grpcio_client_ping_that_sends_nothing_ends_deadline_exceeded_within_two_seconds()
    {
        var seen = await InteropPeers.RunPythonScenarioAsync("ping_silent", [.. Agent().PeerArguments(), "--deadline-ms", "300"]);

        Assert.Multiple(() =>
        {
            Assert.That(seen.Text("code"), Is.EqualTo("DEADLINE_EXCEEDED"), () => seen.ToString());
            Assert.That(seen.GetProperty("elapsed_ms").GetDouble(), Is.InRange(250.0, 2000.0), "the 300 ms deadline, not earlier and not much later");
        });
    }

    [Test]
    public async Task Python_grpcio_client_bidi_ping_gets_every_sequence_and_payload_echoed_in_order()
    {
        var seen = await InteropPeers.RunPythonScenarioAsync("ping", [.. Agent().PeerArguments(), "--count", "8"]);

        Assert.Multiple(() =>
        {
            Assert.That(seen.Text("code"), Is.EqualTo("OK"), () => seen.ToString());
            Assert.That(seen.GetProperty("sequences").EnumerateArray().Select(s => s.GetInt32()), Is.EqualTo(Enumerable.Range(1, 8)));
            Assert.That(seen.GetProperty("payloads_echoed").GetBoolean(), Is.True);
            Assert.That(seen.GetProperty("answered_at_nonzero").GetBoolean(), Is.True);
            Assert.That(seen.GetProperty("extra_responses").GetInt32(), Is.Zero, "the call ends after the half-close");
        });
    }

    [Test]
    public async Task Python_grpcio_client_health_check_reports_serving_for_the_server_and_each_service()
    {
        var services = new[] { "", "platform.agent.v1.HostService", "platform.agent.v1.FileService", "grpc.health.v1.Health" };
        var agent = Agent();

        var seen = new List<JsonElement>();
        foreach (var service in services)
        {
            seen.AddRange(await InteropPeers.RunPythonClientAsync([.. agent.PeerArguments(), "--service", service, "health", "health_watch"]));
        }

        Assert.That(seen, Has.Count.EqualTo(2 * services.Length));
        Assert.Multiple(() =>
        {
            foreach (var observation in seen)
            {
                Assert.That(observation.Text("code"), Is.EqualTo("OK"), () => observation.ToString());
                Assert.That(observation.Text("status"), Is.EqualTo("SERVING"), () => observation.ToString());
            }
        });
    }

    [Test]
    public async Task Python_grpcio_client_gets_host_info_not_found_for_a_missing_download_and_unimplemented_for_an_unserved_rpc()
    {
        var name = UniqueName("missing");
        var observations = await InteropPeers.RunPythonClientAsync([.. Agent().PeerArguments(), "--name", name, "download", "host_info", "unimplemented"]);

        Assert.Multiple(() =>
        {
            Assert.That(observations[0].Text("code"), Is.EqualTo("NOT_FOUND"), () => observations[0].ToString());
            Assert.That(observations[0].Text("details"), Does.Contain(name));
            Assert.That(observations[1].Text("code"), Is.EqualTo("OK"), () => observations[1].ToString());
            Assert.That(observations[1].ToString(), Does.Contain("\"cpus\": " + Environment.ProcessorCount), () => observations[1].ToString());
            Assert.That(observations[2].Text("code"), Is.EqualTo("UNIMPLEMENTED"), () => observations[2].ToString());
        });
    }
}

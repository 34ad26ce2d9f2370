using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Platform.Tests.Integration.Infrastructure;
using Grpc.Net.Client;
using Platform.Rpc.Client;
using Platform.Rpc.Tls;
using HealthCheckRequest = global::Grpc.Health.V1.HealthCheckRequest;
using HealthClient = global::Grpc.Health.V1.Health.HealthClient;
using ServingStatus = global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Platform.Tests.Integration.Grpc;

/// <summary>
/// The platform's gRPC client (grpc-dotnet, Grpc.Tools typed clients) as the client of a
/// grpcio server (tests/interop/python/agent_server.py) that speaks the agent's contract:
/// all four call shapes, rich errors in grpc-status-details-bin, deadlines and metadata.
/// </summary>
public class InteropCSharpClientTests
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] BadHeaderFields = ["header.name", "header.md5"];
    private static readonly string[] NameField = ["name"];

    private PythonGrpcServer? _server;
    private GrpcChannel? _channel;

    private PythonGrpcServer Server => _server ?? throw new InvalidOperationException("no server");

    private GrpcChannel Channel => _channel ?? throw new InvalidOperationException("no channel");

    [OneTimeSetUp]
    public async Task StartGrpcioServer()
    {
        _server = await PythonGrpcServer.StartAsync();
        _channel = GrpcChannel.ForAddress(_server.Address);
    }

    [OneTimeTearDown]
    public async Task StopGrpcioServer()
    {
        _channel?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private static DateTime Deadline() => DateTime.UtcNow + CallTimeout;

    [Test]
    public async Task Csharp_client_gets_agent_info_and_the_response_headers_from_grpcio()
    {
        var client = new HostService.HostServiceClient(Channel);

        using var call = client.GetAgentInfoAsync(new GetAgentInfoRequest(), deadline: Deadline());
        var info = await call;
        var headers = await call.ResponseHeadersAsync;

        Assert.Multiple(() =>
        {
            Assert.That(info.ContractVersions, Does.Contain("platform.agent.v1"));
            Assert.That(info.AgentVersion, Does.StartWith("python-grpcio/"));
            Assert.That(info.StartedAt, Is.GreaterThan(1_600_000_000UL));
            Assert.That(headers.GetValue("x-peer"), Is.EqualTo(info.AgentVersion), "initial metadata the handler sent");
            Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
        });
    }

    [Test]
    public async Task Csharp_client_bidi_ping_gets_each_echo_before_sending_the_next_and_ends_ok()
    {
        var client = new HostService.HostServiceClient(Channel);
        using var call = client.Ping(deadline: Deadline());
        var echoes = new List<PingResponse>();
        var sent = new List<ByteString>();

        for (ulong sequence = 1; sequence <= 10; sequence++)
        {
            var payload = ByteString.CopyFrom(RandomNumberGenerator.GetBytes((int)sequence * 100));
            sent.Add(payload);
            await call.RequestStream.WriteAsync(new PingRequest { Sequence = sequence, Payload = payload });
            Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.True, $"echo of ping {sequence}");
            echoes.Add(call.ResponseStream.Current);
        }
        await call.RequestStream.CompleteAsync();
        var more = await call.ResponseStream.MoveNext(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(echoes.Select(e => e.Sequence), Is.EqualTo(Enumerable.Range(1, 10).Select(i => (ulong)i)));
            Assert.That(echoes.Select(e => e.Payload), Is.EqualTo(sent));
            Assert.That(echoes.Select(e => e.AnsweredAtUnixNanos), Has.All.GreaterThan(0UL));
            Assert.That(more, Is.False, "the server ends the stream after the half-close");
            Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
        });
    }

    [Test]
    public async Task Csharp_client_uploads_by_client_stream_and_downloads_by_server_stream_the_same_bytes()
    {
        var files = new FileService.FileServiceClient(Channel);
        var name = $"interop-cs-{Guid.NewGuid():N}.bin";
        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 12345);
        var md5 = InteropPeers.Md5Hex(bytes);

        var uploaded = await UploadAsync(files, name, bytes, md5, chunkSize: 64 * 1024);

        var received = new MemoryStream();
        var offsets = new List<ulong>();
        using (var download = files.DownloadFile(new DownloadFileRequest { Name = name }, deadline: Deadline()))
        {
            await foreach (var chunk in download.ResponseStream.ReadAllAsync())
            {
                offsets.Add(chunk.Offset);
                Assert.That(chunk.Offset, Is.EqualTo((ulong)received.Length), "each chunk starts where the previous ended");
                chunk.Data.WriteTo(received);
            }
            Assert.That(download.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
        }

        Assert.Multiple(() =>
        {
            Assert.That(uploaded.Name, Is.EqualTo(name));
            Assert.That(uploaded.SizeBytes, Is.EqualTo((ulong)bytes.Length));
            Assert.That(uploaded.Md5, Is.EqualTo(md5));
            Assert.That(offsets, Has.Count.GreaterThan(40), "the server's 64 KiB chunks");
            Assert.That(InteropPeers.Difference(File.ReadAllBytes(Path.Combine(Server.Directory, name)), bytes), Is.EqualTo("equal"), "what grpcio wrote");
        });
        Assert.That(InteropPeers.Difference(received.ToArray(), bytes), Is.EqualTo("equal"), "what the C# client downloaded");
    }

    [Test]
    public async Task Csharp_client_reads_the_bad_request_of_a_client_stream_rejected_by_grpcio()
    {
        var files = new FileService.FileServiceClient(Channel);

        var error = await UploadFailureAsync(files, new UploadFileHeader { OperationId = "op-bad", Name = "../x", SizeBytes = 10, Md5 = "not-an-md5" });

        var rich = error.GetRpcStatus();
        Assert.That(rich, Is.Not.Null, () => $"grpc-status-details-bin in {string.Join(", ", error.Trailers)}");
        Assert.That(rich!.Details, Has.Count.EqualTo(1));
        Assert.That(rich.Details[0].Is(Google.Rpc.BadRequest.Descriptor), Is.True, rich.Details[0].TypeUrl);
        var badRequest = rich.Details[0].Unpack<Google.Rpc.BadRequest>();
        Assert.Multiple(() =>
        {
            Assert.That(error.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(rich.Code, Is.EqualTo((int)StatusCode.InvalidArgument));
            Assert.That(rich.Message, Is.EqualTo(error.Status.Detail), "google.rpc.Status.message is grpc-message, percent-decoded");
            Assert.That(badRequest.FieldViolations.Select(v => v.Field), Is.EquivalentTo(BadHeaderFields));
            Assert.That(badRequest.FieldViolations.Select(v => v.Description), Has.All.Not.Empty);
        });
    }

    [Test]
    public async Task Csharp_client_reads_the_bad_request_of_a_trailers_only_server_stream_error_from_grpcio()
    {
        var files = new FileService.FileServiceClient(Channel);
        using var download = files.DownloadFile(new DownloadFileRequest { Name = "../etc/passwd" }, deadline: Deadline());

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await download.ResponseStream.MoveNext(CancellationToken.None)))!;

        var badRequest = error.GetRpcStatus()?.Details.Single().Unpack<Google.Rpc.BadRequest>();
        Assert.Multiple(() =>
        {
            Assert.That(error.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(error.Status.Detail, Does.StartWith("name: "));
            Assert.That(badRequest?.FieldViolations.Select(v => v.Field), Is.EqualTo(NameField));
            Assert.That(download.GetStatus().StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        });
    }

    [Test]
    public async Task Csharp_client_sees_data_loss_when_grpcio_receives_fewer_bytes_than_announced()
    {
        var files = new FileService.FileServiceClient(Channel);
        var name = $"interop-cs-short-{Guid.NewGuid():N}.bin";

        var error = await UploadFailureAsync(files, new UploadFileHeader { OperationId = "op-short", Name = name, SizeBytes = 5000 }, RandomNumberGenerator.GetBytes(4000));

        Assert.Multiple(() =>
        {
            Assert.That(error.StatusCode, Is.EqualTo(StatusCode.DataLoss));
            Assert.That(error.Status.Detail, Is.EqualTo("received 4000 of the announced 5000 bytes"));
            Assert.That(error.GetRpcStatus(), Is.Null, "no details were sent");
            Assert.That(File.Exists(Path.Combine(Server.Directory, name)), Is.False);
        });
    }

    [Test]
    public async Task Csharp_client_sees_not_found_for_a_missing_download_with_the_server_message()
    {
        var files = new FileService.FileServiceClient(Channel);
        var name = $"interop-cs-missing-{Guid.NewGuid():N}.bin";
        using var download = files.DownloadFile(new DownloadFileRequest { Name = name }, deadline: Deadline());

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await download.ResponseStream.MoveNext(CancellationToken.None)))!;

        Assert.Multiple(() =>
        {
            Assert.That(error.StatusCode, Is.EqualTo(StatusCode.NotFound));
            Assert.That(error.Status.Detail, Is.EqualTo($"no file '{name}'"), "grpc-message with quotes, percent-decoded");
        });
    }

    [Test]
    public async Task Csharp_client_deadline_on_a_slow_grpcio_call_is_deadline_exceeded_and_grpcio_saw_the_timeout()
    {
        var client = new HostService.HostServiceClient(Channel);
        var callId = Guid.NewGuid().ToString("N");
        var clock = Stopwatch.StartNew();

        using var call = client.GetHostInfoAsync(new GetHostInfoRequest(), headers: new Metadata { { "x-call-id", callId } }, deadline: DateTime.UtcNow.AddMilliseconds(300));
        var error = (await Assert.ThrowsAsync<RpcException>(async () => await call))!;
        var elapsed = clock.Elapsed;

        var started = await Server.WaitForEventAsync(e => e.Text("event") == "slow_started" && e.Text("call_id") == callId, TimeSpan.FromSeconds(5));
        var ended = await Server.WaitForEventAsync(e => e.Text("event") == "slow_ended" && e.Text("call_id") == callId, TimeSpan.FromSeconds(5));
        Assert.Multiple(() =>
        {
            Assert.That(error.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded), () => error.ToString());
            Assert.That(elapsed, Is.InRange(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2)));
            Assert.That(started, Is.Not.Null, "grpcio ran the handler");
            Assert.That(started?.GetProperty("time_remaining_ms").GetDouble(), Is.InRange(1.0, 300.0), "grpcio read the grpc-timeout header");
            Assert.That(ended?.GetProperty("active").GetBoolean(), Is.False, "the call had ended on the server too");
            Assert.That(ended?.GetProperty("waited_ms").GetDouble(), Is.LessThan(2000.0), "the server stopped waiting at the deadline");
        });
    }

    [Test]
    public async Task Csharp_client_metadata_round_trips_through_grpcio_trailers_as_text_and_binary()
    {
        var client = new HostService.HostServiceClient(Channel);
        var text = $"hello from platform-grpc {Guid.NewGuid():N} ~!%";
        var binary = new byte[] { 0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, (byte)'=', (byte)'\n' }.Concat(RandomNumberGenerator.GetBytes(40)).ToArray();
        var headers = new Metadata { { "x-echo-text", text }, { "x-echo-bin", binary } };

        using var call = client.GetAgentInfoAsync(new GetAgentInfoRequest(), headers: headers, deadline: Deadline());
        await call;
        var trailers = call.GetTrailers();

        Assert.Multiple(() =>
        {
            Assert.That(trailers.GetValue("x-echo-text"), Is.EqualTo(text));
            Assert.That(trailers.Get("x-echo-bin")?.IsBinary, Is.True);
            Assert.That(trailers.GetValueBytes("x-echo-bin"), Is.EqualTo(binary));
        });
    }

    [Test]
    public async Task Csharp_client_gets_metadata_echoed_in_the_trailers_of_a_failed_call()
    {
        var files = new FileService.FileServiceClient(Channel);
        var binary = RandomNumberGenerator.GetBytes(33);
        var headers = new Metadata { { "x-echo-text", "failed-call" }, { "x-echo-bin", binary } };
        using var download = files.DownloadFile(new DownloadFileRequest { Name = $"missing-{Guid.NewGuid():N}" }, headers: headers, deadline: Deadline());

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await download.ResponseStream.MoveNext(CancellationToken.None)))!;

        Assert.Multiple(() =>
        {
            Assert.That(error.StatusCode, Is.EqualTo(StatusCode.NotFound));
            Assert.That(error.Trailers.GetValue("x-echo-text"), Is.EqualTo("failed-call"));
            Assert.That(error.Trailers.GetValueBytes("x-echo-bin"), Is.EqualTo(binary));
            Assert.That(download.GetTrailers().GetValueBytes("x-echo-bin"), Is.EqualTo(binary));
        });
    }

    [Test]
    public async Task Csharp_client_gzip_compressed_upload_crosses_the_wire_compressed_and_grpcio_inflates_it()
    {
        await using var counter = InteropByteCounter.InFrontOf(Server.Address);
        using var channel = GrpcChannel.ForAddress(counter.Rewrite(Server.Address));
        var files = new FileService.FileServiceClient(channel);
        var name = $"interop-cs-gzip-{Guid.NewGuid():N}.bin";
        var bytes = InteropPeers.CompressibleBytes(4 * 1024 * 1024);

        var uploaded = await UploadAsync(files, name, bytes, InteropPeers.Md5Hex(bytes), chunkSize: 256 * 1024, InteropPeers.CompressRequests);

        Assert.Multiple(() =>
        {
            Assert.That(uploaded.Md5, Is.EqualTo(InteropPeers.Md5Hex(bytes)), "grpcio inflated exactly the bytes sent");
            Assert.That(counter.BytesToServer, Is.LessThan(bytes.Length / 10), "grpc-encoding: gzip messages on the wire");
            Assert.That(InteropPeers.Difference(File.ReadAllBytes(Path.Combine(Server.Directory, name)), bytes), Is.EqualTo("equal"));
        });
    }

    [Test]
    public async Task Csharp_client_inflates_a_gzip_compressed_server_stream_from_grpcio()
    {
        var name = $"interop-cs-gunzip-{Guid.NewGuid():N}.bin";
        var bytes = InteropPeers.CompressibleBytes(4 * 1024 * 1024);
        await File.WriteAllBytesAsync(Path.Combine(Server.Directory, name), bytes);
        await using var counter = InteropByteCounter.InFrontOf(Server.Address);
        using var channel = GrpcChannel.ForAddress(counter.Rewrite(Server.Address));
        var files = new FileService.FileServiceClient(channel);

        var received = new MemoryStream();
        using (var download = files.DownloadFile(new DownloadFileRequest { Name = name }, headers: new Metadata { { "x-compress-response", "gzip" } }, deadline: Deadline()))
        {
            await foreach (var chunk in download.ResponseStream.ReadAllAsync())
            {
                chunk.Data.WriteTo(received);
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(InteropPeers.Difference(received.ToArray(), bytes), Is.EqualTo("equal"));
            Assert.That(counter.BytesToClient, Is.LessThan(bytes.Length / 10), "grpcio sent grpc-encoding: gzip messages");
        });
    }

    [Test]
    public async Task Csharp_client_decodes_a_percent_encoded_utf8_grpc_message_from_grpcio()
    {
        var client = new HostService.HostServiceClient(Channel);
        const string message = "Überfüllt: 100% ✓ – 日本語, tab\t and ~ end";
        var headers = new Metadata { { "x-fail-code", "FAILED_PRECONDITION" }, { "x-fail-message-bin", System.Text.Encoding.UTF8.GetBytes(message) } };

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await client.GetAgentInfoAsync(new GetAgentInfoRequest(), headers: headers, deadline: Deadline())))!;

        Assert.Multiple(() =>
        {
            Assert.That(error.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
            Assert.That(error.Status.Detail, Is.EqualTo(message));
        });
    }

    [Test]
    public async Task Csharp_client_call_with_a_repeated_binary_metadata_key_fails_alone()
    {
        // The spec allows repeated keys, but HttpClient joins their values into one header
        // field, and grpc-core (1.51) rejects a comma-joined -bin field ("Failed parsing HTTP/2").
        // grpc-dotnet sends it as HttpClient makes it: that call fails, the channel stays usable.
        var client = new HostService.HostServiceClient(Channel);
        var headers = new Metadata { { "x-echo-repeated-bin", [1, 2, 3] }, { "x-echo-repeated-bin", [4, 5, 6, 7] } };

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await client.GetAgentInfoAsync(new GetAgentInfoRequest(), headers: headers, deadline: Deadline())))!;
        // grpc-core answers with GOAWAY: a call racing the connection's close may fail too, and
        // the channel connects again for the next one.
        AgentInfo? next = null;
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                next = await client.GetAgentInfoAsync(new GetAgentInfoRequest(), deadline: Deadline());
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10), "a later call on the channel is answered");

        Assert.Multiple(() =>
        {
            Assert.That(error.StatusCode, Is.Not.EqualTo(StatusCode.OK));
            Assert.That(next?.ContractVersions, Is.Not.Empty, "the channel is usable again");
        });
    }

    [Test]
    [Explicit("about 3.5 minutes: an idle stream has to outlive several keepalive periods")]
    public async Task Csharp_client_idle_stream_with_the_default_keepalive_survives_on_a_grpcio_server()
    {
        // grpc-core servers accept a client PING without data only every 5 minutes
        // (grpc.http2.min_ping_interval_without_data_ms); past two early ones
        // (grpc.http2.max_ping_strikes) they send GOAWAY "too_many_pings", which ends every
        // stream of the connection. PlatformChannel does not ping unless asked to (KeepAlivePingDelay).
        using var channel = GrpcChannel.ForAddress(Server.Address);
        var client = new HostService.HostServiceClient(channel);
        using var ping = client.Ping();
        await ping.RequestStream.WriteAsync(new PingRequest { Sequence = 1 });
        Assert.That(await ping.ResponseStream.MoveNext(CancellationToken.None), Is.True);

        var next = ping.ResponseStream.MoveNext(CancellationToken.None);
        var idle = Task.Delay(TimeSpan.FromSeconds(200));
        Assert.That(await Task.WhenAny(next, idle), Is.SameAs(idle), () => $"the idle stream ended: {(next.Exception?.InnerException as RpcException)?.Status}");

        await ping.RequestStream.WriteAsync(new PingRequest { Sequence = 2 });
        Assert.That(await next, Is.True);
        Assert.That(ping.ResponseStream.Current.Sequence, Is.EqualTo(2UL));
    }

    [Test]
    public async Task Csharp_health_client_checks_grpcio_and_gets_not_found_for_an_unknown_service()
    {
        var health = new HealthClient(Channel);

        var server = await health.CheckAsync(new HealthCheckRequest { Service = "" }, deadline: Deadline());
        var files = await health.CheckAsync(new HealthCheckRequest { Service = "platform.agent.v1.FileService" }, deadline: Deadline());
        var unknown = (await Assert.ThrowsAsync<RpcException>(async () => await health.CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }, deadline: Deadline())))!;

        Assert.Multiple(() =>
        {
            Assert.That(server.Status, Is.EqualTo(ServingStatus.Serving));
            Assert.That(files.Status, Is.EqualTo(ServingStatus.Serving));
            Assert.That(unknown.StatusCode, Is.EqualTo(StatusCode.NotFound));
        });
    }

    private static async Task<UploadFileResponse> UploadAsync(FileService.FileServiceClient files, string name, byte[] bytes, string md5, int chunkSize,
        Metadata? headers = null)
    {
        using var upload = files.UploadFile(headers, deadline: Deadline());
        await upload.RequestStream.WriteAsync(new UploadFileRequest
        {
            Header = new UploadFileHeader { OperationId = $"op-{Guid.NewGuid():N}", Name = name, SizeBytes = (ulong)bytes.Length, Md5 = md5 },
        });
        for (var offset = 0; offset < bytes.Length; offset += chunkSize)
        {
            await upload.RequestStream.WriteAsync(new UploadFileRequest { Data = ByteString.CopyFrom(bytes, offset, Math.Min(chunkSize, bytes.Length - offset)) });
        }
        await upload.RequestStream.CompleteAsync();
        var response = await upload;
        Assert.That(upload.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
        return response;
    }

    /// <summary>An upload the server must reject: the RpcException it ended with (from a write or from the response).</summary>
    private static async Task<RpcException> UploadFailureAsync(FileService.FileServiceClient files, UploadFileHeader header, byte[]? data = null)
    {
        using var upload = files.UploadFile(deadline: Deadline());
        try
        {
            await upload.RequestStream.WriteAsync(new UploadFileRequest { Header = header });
            if (data is not null)
            {
                await upload.RequestStream.WriteAsync(new UploadFileRequest { Data = ByteString.CopyFrom(data) });
            }
            await upload.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server may end the call before the writes are done; the response says why.
        }
        var error = (await Assert.ThrowsAsync<RpcException>(async () => await upload.ResponseAsync))!;
        Assert.That(upload.GetStatus().StatusCode, Is.EqualTo(error.StatusCode));
        return error;
    }
}

/// <summary>The C# client's TLS (client certificate, pinned CA) against grpcio's (BoringSSL) mutual-TLS server.</summary>
public class InteropCSharpClientMutualTlsTests
{
    private TestCertificates? _certificates;
    private PythonGrpcServer? _server;

    private TestCertificates Certificates => _certificates ?? throw new InvalidOperationException("no certificates");

    private PythonGrpcServer Server => _server ?? throw new InvalidOperationException("no server");

    [OneTimeSetUp]
    public async Task StartTlsGrpcioServer()
    {
        await InteropPeers.RequirePythonAsync();
        _certificates = TestCertificates.Create();
        _server = await PythonGrpcServer.StartAsync(_certificates.Server, _certificates.Authority.CertificatePath);
    }

    [OneTimeTearDown]
    public async Task StopTlsGrpcioServer()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _certificates?.Dispose();
    }

    [Test]
    public async Task Csharp_client_with_a_platform_ca_certificate_calls_grpcio_over_mutual_tls()
    {
        using var clientCertificate = Certificates.Client.Load();
        using var channel = PlatformChannel.ForAddress(Server.Address, new PlatformChannelOptions
        {
            Tls = new ClientTlsCredentials(new PinnedCertificateAuthority(Certificates.Authority.Certificate), clientCertificate),
        });
        var client = new HostService.HostServiceClient(channel);

        var info = await client.GetAgentInfoAsync(new GetAgentInfoRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.That(Server.Address, Does.StartWith("https://"));
        Assert.That(info.ContractVersions, Does.Contain("platform.agent.v1"));
    }

    [Test]
    public async Task Csharp_client_without_a_client_certificate_is_refused_by_grpcio_as_unavailable()
    {
        using var channel = PlatformChannel.ForAddress(Server.Address, new PlatformChannelOptions
        {
            Tls = new ClientTlsCredentials(new PinnedCertificateAuthority(Certificates.Authority.Certificate), null),
        });
        var client = new HostService.HostServiceClient(channel);

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await client.GetAgentInfoAsync(new GetAgentInfoRequest(), deadline: DateTime.UtcNow.AddSeconds(10))))!;

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unavailable), () => error.ToString());
    }

    [Test]
    public async Task Csharp_client_pinned_to_another_ca_refuses_the_grpcio_server_as_unavailable()
    {
        using var clientCertificate = Certificates.Client.Load();
        using var channel = PlatformChannel.ForAddress(Server.Address, new PlatformChannelOptions
        {
            Tls = new ClientTlsCredentials(new PinnedCertificateAuthority(Certificates.ForeignAuthority.Certificate), clientCertificate),
        });
        var client = new HostService.HostServiceClient(channel);

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await client.GetAgentInfoAsync(new GetAgentInfoRequest(), deadline: DateTime.UtcNow.AddSeconds(10))))!;

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unavailable), () => error.ToString());
    }
}

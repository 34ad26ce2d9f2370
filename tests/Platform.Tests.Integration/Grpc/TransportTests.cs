using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Platform.Rpc.Client;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.Grpc.Testing;

namespace Platform.Tests.Integration.Grpc;

/// <summary>
/// The daemons' gRPC set-up end to end in this process: a PlatformChannel client against an
/// AddPlatformGrpcServer server (grpc-dotnet on real Kestrel and HttpClient).
/// </summary>
public class TransportTests
{
    private TransportTestServer _server = null!;
    private GrpcChannel _channel = null!;
    private TransportTest.TransportTestClient _client = null!;

    [SetUp]
    public async Task StartServer()
    {
        _server = await TransportTestServer.StartAsync(options => options.ResponseCompressionAlgorithm = "gzip");
        _channel = _server.Channel();
        _client = new TransportTest.TransportTestClient(_channel);
    }

    [TearDown]
    public async Task StopServer()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Unary_call_carries_metadata_both_ways()
    {
        var headers = new Metadata { { "echo-text", "hello" }, { "echo-blob-bin", [0, 1, 2, 255] }, { "other", "not echoed" } };

        using var call = _client.EchoAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8("ping") }, headers);
        var response = await call;
        var responseHeaders = await call.ResponseHeadersAsync;

        Assert.Multiple(() =>
        {
            Assert.That(response.Payload.ToStringUtf8(), Is.EqualTo("ping"));
            Assert.That(responseHeaders.GetValue("echo-text"), Is.EqualTo("hello"));
            Assert.That(responseHeaders.GetValueBytes("echo-blob-bin"), Is.EqualTo(new byte[] { 0, 1, 2, 255 }));
            Assert.That(responseHeaders.Get("other"), Is.Null);
            Assert.That(call.GetTrailers().GetValue("echo-text"), Is.EqualTo("hello"));
            Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
        });
    }

    [Test]
    public async Task Gzip_in_both_directions_round_trips_large_messages_compressed_on_the_wire()
    {
        await using var relay = InteropByteCounter.InFrontOf(_server.Address.ToString());
        using var channel = PlatformChannel.ForAddress(relay.Rewrite(_server.Address.ToString()), new PlatformChannelOptions());
        var client = new TransportTest.TransportTestClient(channel);
        var payload = ByteString.CopyFrom(Enumerable.Range(0, 1_000_000).Select(i => (byte)(i % 7)).ToArray());

        using var call = client.EchoAsync(new EchoRequest { Payload = payload }, InteropPeers.CompressRequests);
        var response = await call;

        Assert.Multiple(() =>
        {
            Assert.That(response.Payload, Is.EqualTo(payload));
            Assert.That(relay.BytesToServer, Is.LessThan(payload.Length / 10), "the request went out gzip-compressed");
            Assert.That(relay.BytesToClient, Is.LessThan(payload.Length / 10), "the response came back gzip-compressed");
        });
    }

    [Test]
    public async Task Every_call_is_logged_on_both_sides_with_status_operation_id_and_one_trace_id()
    {
        var clientLog = new CapturedLog();
        using var loggers = LoggerFactory.Create(logging => logging.AddProvider(clientLog));
        var client = new TransportTest.TransportTestClient(_channel.CreateLoggedInvoker(loggers));
        var operationId = $"op-{Guid.NewGuid():N}";
        using var activity = new Activity("test-call").SetIdFormat(ActivityIdFormat.W3C).Start();
        var traceId = activity.TraceId.ToHexString();

        await client.EchoAsync(new EchoRequest { OperationId = operationId });
        await Assert.ThrowsAsync<RpcException>(async () => await client.FailAsync(new FailRequest { Code = (int)StatusCode.NotFound, Message = "no such thing" }));

        static IReadOnlyList<string> CallLines(CapturedLog log) =>
            [.. log.Lines.Where(l => l.Category == "Platform.Rpc.CallLog").Select(l => l.Text)];
        await Eventually.HoldsAsync(() => Task.FromResult(CallLines(_server.Log).Count >= 2), TimeSpan.FromSeconds(5), "the server logged both calls");
        var served = CallLines(_server.Log);
        var called = CallLines(clientLog);
        Assert.Multiple(() =>
        {
            Assert.That(served, Has.One.Contains("/platform.testing.v1.TransportTest/Echo OK").And.Contains($"operation {operationId}").And.Contains($"trace {traceId}"));
            Assert.That(served, Has.One.Contains("/platform.testing.v1.TransportTest/Fail NotFound").And.Contains("no such thing").And.Contains($"trace {traceId}"));
            Assert.That(called, Has.One.Contains("/platform.testing.v1.TransportTest/Echo at").And.Contains(": OK in").And.Contains($"operation {operationId}").And.Contains($"trace {traceId}"));
            Assert.That(called, Has.One.Contains("/platform.testing.v1.TransportTest/Fail at").And.Contains(": NotFound in").And.Contains($"trace {traceId}"));
        });
    }

    [Test]
    public async Task Error_status_keeps_a_unicode_message_and_rich_details()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await _client.FailAsync(new FailRequest { Code = (int)StatusCode.InvalidArgument, Field = "image_name", Message = "不是一个可接受的文件类型 100%" }));

        var failure = error ?? throw new AssertionException("no RpcException");
        var details = failure.GetRpcStatus();
        Assert.Multiple(() =>
        {
            Assert.That(failure.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(failure.Status.Detail, Is.EqualTo("image_name: 不是一个可接受的文件类型 100%"));
            Assert.That(details, Is.Not.Null);
            Assert.That(details?.Details.Single().Unpack<Google.Rpc.BadRequest>().FieldViolations.Single().Field, Is.EqualTo("image_name"));
        });
    }

    [TestCase(StatusCode.NotFound)]
    [TestCase(StatusCode.FailedPrecondition)]
    [TestCase(StatusCode.Unavailable)]
    public async Task Status_codes_arrive_as_sent(StatusCode code)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _client.FailAsync(new FailRequest { Code = (int)code, Message = "because" }));

        Assert.That(error!.Status, Is.EqualTo(new Status(code, "because")));
    }

    [Test]
    public async Task Client_deadline_ends_the_call_and_cancels_the_handler()
    {
        var probe = Guid.NewGuid().ToString("N");
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await _client.WaitAsync(new WaitRequest { Milliseconds = 30_000, Probe = probe }, deadline: DateTime.UtcNow.AddMilliseconds(300)));

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
            Assert.That(await _server.Service.WaitOutcomes[probe].Task.WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo("cancelled"));
        });
    }

    [Test]
    public async Task Client_cancellation_reaches_the_handler()
    {
        var probe = Guid.NewGuid().ToString("N");
        using var cancellation = new CancellationTokenSource();
        var call = _client.WaitAsync(new WaitRequest { Milliseconds = 30_000, Probe = probe }, cancellationToken: cancellation.Token);
        await Eventually.HoldsAsync(() => Task.FromResult(_server.Service.WaitOutcomes.ContainsKey(probe)), TimeSpan.FromSeconds(5), "handler started");

        await cancellation.CancelAsync();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await call);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Cancelled));
            Assert.That(await _server.Service.WaitOutcomes[probe].Task.WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo("cancelled"));
        });
    }

    [Test]
    public async Task All_four_call_shapes_work_on_one_channel()
    {
        using var count = _client.Count(new CountRequest { Count = 1000, Size = 100 });
        var counted = await count.ResponseStream.ReadAllAsync().CountAsync();

        using var sum = _client.Sum();
        for (var i = 0; i < 500; i++)
        {
            await sum.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[1000]) });
        }
        await sum.RequestStream.CompleteAsync();
        var total = await sum;

        using var chat = _client.Chat();
        var replies = new List<ulong>();
        for (var i = 0; i < 50; i++)
        {
            await chat.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8($"m{i}") });
            Assert.That(await chat.ResponseStream.MoveNext(CancellationToken.None), Is.True);
            replies.Add(chat.ResponseStream.Current.Messages);
        }
        await chat.RequestStream.CompleteAsync();
        var more = await chat.ResponseStream.MoveNext(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(counted, Is.EqualTo(1000));
            Assert.That((total.Messages, total.Bytes), Is.EqualTo((500UL, 500_000UL)));
            Assert.That(replies, Is.EqualTo(Enumerable.Range(1, 50).Select(i => (ulong)i)));
            Assert.That(more, Is.False);
            Assert.That(chat.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
        });
    }

    [Test]
    public async Task Request_over_the_server_limit_is_resource_exhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await _client.EchoAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[5 * 1024 * 1024]) }));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
    }

    [Test]
    public async Task Response_over_the_client_limit_is_resource_exhausted()
    {
        using var channel = _server.Channel(new PlatformChannelOptions { MaxReceiveMessageSize = 64 * 1024 });
        var client = new TransportTest.TransportTestClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.EchoAsync(new EchoRequest { ResponseSize = 100_000 }));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
    }

    [Test]
    public async Task Many_concurrent_calls_share_the_channel()
    {
        var calls = Enumerable.Range(0, 200).Select(async i =>
            (await _client.EchoAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) })).Payload.ToStringUtf8());

        var answers = await Task.WhenAll(calls);

        Assert.That(answers, Is.EqualTo(Enumerable.Range(0, 200).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Test]
    public async Task Unknown_server_is_unavailable()
    {
        using var channel = GrpcChannel.ForAddress("http://127.0.0.1:1");
        var client = new TransportTest.TransportTestClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.EchoAsync(new EchoRequest()));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
    }
}

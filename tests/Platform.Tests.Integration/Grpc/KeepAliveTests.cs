using Google.Protobuf;
using Grpc.Core;
using Platform.Rpc.Client;
using Platform.Tests.Integration.Grpc.Testing;

namespace Platform.Tests.Integration.Grpc;

/// <summary>HTTP/2 keep-alive PINGs: sent on an idle connection when asked for, and only then.</summary>
public class KeepAliveTests
{
    [TestCase(true)]
    [TestCase(false)]
    public async Task Idle_stream_carries_client_pings_only_when_enabled(bool enabled)
    {
        await using var server = await TransportTestServer.StartAsync();
        await using var relay = InteropByteCounter.InFrontOf(server.Address.ToString());
        using var channel = PlatformChannel.ForAddress(relay.Rewrite(server.Address.ToString()), new PlatformChannelOptions
        {
            KeepAlivePingDelay = enabled ? TimeSpan.FromSeconds(1) : null,
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
        });
        using var chat = new TransportTest.TransportTestClient(channel).Chat();
        await chat.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8("hello") });
        Assert.That(await chat.ResponseStream.MoveNext(CancellationToken.None), Is.True);
        await Task.Delay(300);
        var before = relay.BytesToServer;

        // Nothing is sent by the application for 3.5 s: only PING frames (17 bytes each, the
        // shortest delay HttpClient allows is 1 s) can flow.
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        var idleBytes = relay.BytesToServer - before;

        await chat.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8("still there") });
        Assert.That(await chat.ResponseStream.MoveNext(CancellationToken.None), Is.True, "the stream survived the idle time");
        Assert.That(idleBytes, enabled ? Is.GreaterThanOrEqualTo(17) : Is.Zero, $"client bytes while idle: {idleBytes}");
        await chat.RequestStream.CompleteAsync();
    }
}

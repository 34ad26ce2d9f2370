using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Grpc;

/// <summary>
/// Garbage sent to the running agent's gRPC port (over the mutual TLS it requires): each gets a
/// proper status (or a clean abort), and the agent answers the next well-formed call as if
/// nothing happened.
/// </summary>
public class AgentTransportRobustnessTests
{
    private const string GetAgentInfo = "/platform.agent.v1.HostService/GetAgentInfo";
    private EnvironmentAgent _environment = null!;
    private Uri _agent = null!;
    private HttpClient _http = null!;
    private GrpcChannel _channel = null!;

    [SetUp]
    public void Connect()
    {
        _environment = EnvironmentAgent.Require();
        _agent = _environment.GrpcUrl;
        _http = RawGrpc.CreateClient(_environment.SslOptions());
        _channel = _environment.CreateChannel();
    }

    [TearDown]
    public async Task AgentStillServes()
    {
        // SetUp stops at Require when the agent is not running; then there is nothing to check or close.
        if (_channel is null)
        {
            return;
        }
        try
        {
            var info = await new HostService.HostServiceClient(_channel).GetAgentInfoAsync(new GetAgentInfoRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
            Assert.That(info.ContractVersions, Does.Contain("platform.agent.v1"), "the agent answers the next call");
        }
        finally
        {
            _channel.Dispose();
            _http.Dispose();
        }
    }

    [Test]
    public async Task Truncated_frame_header_is_internal()
    {
        var response = await RawGrpc.PostAsync(_http, _agent, GetAgentInfo, [0, 0, 0]);

        Assert.That(response.GrpcStatus, Is.EqualTo((int)StatusCode.Internal));
    }

    [Test]
    public async Task Frame_announcing_more_bytes_than_sent_is_internal()
    {
        var response = await RawGrpc.PostAsync(_http, _agent, GetAgentInfo, RawGrpc.Frame(new byte[10], announcedLength: 100));

        Assert.That(response.GrpcStatus, Is.EqualTo((int)StatusCode.Internal));
    }

    [Test]
    public async Task Bytes_that_are_not_protobuf_are_refused()
    {
        var response = await RawGrpc.PostAsync(_http, _agent, GetAgentInfo, RawGrpc.Frame([0xFF, 0xFF, 0xFF, 0xFF]));

        // grpc-dotnet alone answers UNKNOWN, the status of a server's own failure; the platform's
        // servers say INVALID_ARGUMENT, the caller's. The handler does not run, and the next call
        // is served (TearDown).
        Assert.That(response.GrpcStatus, Is.EqualTo((int)StatusCode.InvalidArgument), () => $"{response.GrpcStatus}: {response.GrpcMessage}");
    }

    [Test]
    public async Task Wrong_content_type_is_415()
    {
        var response = await RawGrpc.PostAsync(_http, _agent, GetAgentInfo, RawGrpc.Frame([]), contentType: "application/json");

        Assert.That(response.HttpStatus, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
    }

    [Test]
    public async Task Oversized_message_is_resource_exhausted()
    {
        var response = await RawGrpc.PostAsync(_http, _agent, GetAgentInfo, RawGrpc.Frame(new byte[5 * 1024 * 1024]));

        Assert.That(response.GrpcStatus, Is.EqualTo((int)StatusCode.ResourceExhausted));
    }

    [TestCase("/platform.agent.v1.HostService/NoSuchMethod")]
    [TestCase("/no.such.Service/GetAgentInfo")]
    public async Task Unknown_method_or_service_is_unimplemented(string path)
    {
        var response = await RawGrpc.PostAsync(_http, _agent, path, RawGrpc.Frame([]));

        Assert.That(response.GrpcStatus, Is.EqualTo((int)StatusCode.Unimplemented));
    }

    [Test]
    public async Task Unsupported_message_encoding_is_unimplemented_and_names_the_supported_ones()
    {
        var response = await RawGrpc.PostAsync(_http, _agent, GetAgentInfo, RawGrpc.Frame([], flag: 1), headers: ("grpc-encoding", "br"));

        Assert.Multiple(() =>
        {
            Assert.That(response.GrpcStatus, Is.EqualTo((int)StatusCode.Unimplemented));
            Assert.That(response.GrpcMessage, Does.Contain("gzip"));
        });
    }

    [Test]
    public async Task Malformed_timeout_is_ignored_and_the_call_answered()
    {
        // The protocol leaves a malformed grpc-timeout to the server: grpc-dotnet ignores it
        // (as if no deadline was sent) rather than failing the call.
        var response = await RawGrpc.PostAsync(_http, _agent, GetAgentInfo, RawGrpc.Frame([]), headers: ("grpc-timeout", "soon"));

        Assert.That(response.GrpcStatus, Is.EqualTo((int)StatusCode.OK), () => $"{response.GrpcStatus}: {response.GrpcMessage}");
    }

    [Test]
    public async Task Server_enforces_the_deadline_itself()
    {
        // A client that announces 200 ms but does not enforce it: Health.Watch answers at once
        // and then waits for changes forever, so only the server's deadline can end the call.
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var response = await RawGrpc.PostAsync(_http, _agent, "/grpc.health.v1.Health/Watch", RawGrpc.Frame([]), headers: ("grpc-timeout", "200m"));

        Assert.Multiple(() =>
        {
            Assert.That(response.GrpcStatus, Is.EqualTo((int)StatusCode.DeadlineExceeded));
            Assert.That(response.Body, Is.Not.Empty, "the first status message came before the deadline");
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        });
    }

    [Test]
    public async Task Http11_on_the_grpc_port_is_refused()
    {
        using var http11 = new HttpClient(new SocketsHttpHandler { SslOptions = _environment.SslOptions() });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_agent, GetAgentInfo))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(RawGrpc.Frame([])),
        };

        Assert.That(async () => (await http11.SendAsync(request)).EnsureSuccessStatusCode(), Throws.InstanceOf<HttpRequestException>());
        await Task.CompletedTask;
    }

    [Test]
    public async Task Random_bytes_on_the_socket_are_dropped()
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, _agent.Port);
        var junk = new byte[4096];
        Random.Shared.NextBytes(junk);
        await socket.GetStream().WriteAsync(junk);
        var buffer = new byte[1024];

        // Not a TLS client hello: the server answers with an alert or just closes; either way it ends this connection.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var drained = 0;
        int read;
        while ((read = await socket.GetStream().ReadAsync(buffer, timeout.Token)) > 0)
        {
            drained += read;
        }
        Assert.That(read, Is.Zero, $"connection closed by the server after {drained} bytes");
    }

    [Test]
    public async Task Client_vanishing_mid_upload_leaves_no_file()
    {
        var transfer = Path.Combine(TestEnvironment.StateDirectory, "agent", "transfer");
        var name = "vanish-" + Guid.NewGuid().ToString("N")[..8];
        var client = new FileService.FileServiceClient(_channel);
        var call = client.UploadFile();
        await call.RequestStream.WriteAsync(new UploadFileRequest { Header = new UploadFileHeader { OperationId = name, Name = name, SizeBytes = 10_000_000 } });
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new UploadFileRequest { Data = ByteString.CopyFrom(new byte[100_000]) });
        }
        // The agent makes its transfer directory with the first upload, so it may not exist yet.
        bool PartialFileExists() => Directory.Exists(transfer) && Directory.EnumerateFiles(transfer, $"*{name}*").Any();
        await Eventually.HoldsAsync(() => Task.FromResult(PartialFileExists()), TimeSpan.FromSeconds(10), "the upload has begun on the agent");

        call.Dispose();

        await Eventually.HoldsAsync(() => Task.FromResult(!PartialFileExists()), TimeSpan.FromSeconds(10), "the partial upload is removed");
    }
}

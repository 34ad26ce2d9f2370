using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Contracts.Agent.V1;
using Platform.Rpc.Client;

namespace Platform.Benchmarks.Grpc;

/// <summary>The calls the benchmark makes to an agent, over one channel of some gRPC client stack.</summary>
internal interface IAgentBenchClient : IDisposable
{
    Task<AgentInfo> GetAgentInfoAsync(DateTime? deadline);

    /// <summary>UploadFile: <paramref name="header"/>, then <paramref name="data"/> <paramref name="chunks"/> times.</summary>
    Task<UploadFileResponse> UploadAsync(UploadFileRequest header, UploadFileRequest data, int chunks);

    /// <summary>True for the error a failed call of this stack raises (the agent not answering yet).</summary>
    bool IsCallFailure(Exception e);
}

/// <summary>grpc-dotnet as the controller uses it: PlatformChannel, the call-log interceptor, typed clients.</summary>
internal sealed class GrpcDotnetClient : IAgentBenchClient
{
    private readonly global::Grpc.Net.Client.GrpcChannel _channel;
    private readonly HostService.HostServiceClient _host;
    private readonly FileService.FileServiceClient _files;

    public GrpcDotnetClient(int port)
    {
        _channel = PlatformChannel.ForAddress($"http://127.0.0.1:{port}", new PlatformChannelOptions());
        var calls = _channel.CreateLoggedInvoker(NullLoggerFactory.Instance);
        _host = new HostService.HostServiceClient(calls);
        _files = new FileService.FileServiceClient(calls);
    }

    public async Task<AgentInfo> GetAgentInfoAsync(DateTime? deadline) =>
        await _host.GetAgentInfoAsync(new GetAgentInfoRequest(), deadline: deadline);

    public async Task<UploadFileResponse> UploadAsync(UploadFileRequest header, UploadFileRequest data, int chunks)
    {
        using var call = _files.UploadFile();
        await call.RequestStream.WriteAsync(header);
        for (var i = 0; i < chunks; i++)
        {
            await call.RequestStream.WriteAsync(data);
        }
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    public bool IsCallFailure(Exception e) => e is RpcException;

    public void Dispose() => _channel.Dispose();
}

using Platform.Contracts.Agent.V1;
using Legacy = Platform.Grpc;

namespace Platform.Benchmarks.Grpc;

/// <summary>
/// The project's former hand-written transport (Platform.Grpc), kept for one three-way run
/// against grpc-dotnet and grpcio before it is deleted. Its generated clients are gone, so the
/// two methods are described by hand, as its generator wrote them.
/// </summary>
internal sealed class LegacyTransportClient(int port) : IAgentBenchClient
{
    private static readonly Legacy.Method<GetAgentInfoRequest, AgentInfo> GetAgentInfo =
        new(Legacy.MethodType.Unary, HostService.Descriptor.FullName, "GetAgentInfo", GetAgentInfoRequest.Parser, AgentInfo.Parser);

    private static readonly Legacy.Method<UploadFileRequest, UploadFileResponse> UploadFile =
        new(Legacy.MethodType.ClientStreaming, FileService.Descriptor.FullName, "UploadFile", UploadFileRequest.Parser, UploadFileResponse.Parser);

    private readonly Legacy.GrpcChannel _channel = Legacy.GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
    private Legacy.CallInvoker Calls => field ??= _channel.CreateCallInvoker();

    public async Task<AgentInfo> GetAgentInfoAsync(DateTime? deadline)
    {
        using var call = Calls.AsyncUnaryCall(GetAgentInfo, new GetAgentInfoRequest(), new Legacy.CallOptions(Deadline: deadline));
        return await call.ResponseAsync;
    }

    public async Task<UploadFileResponse> UploadAsync(UploadFileRequest header, UploadFileRequest data, int chunks)
    {
        using var call = Calls.AsyncClientStreamingCall(UploadFile, new Legacy.CallOptions());
        await call.RequestStream.WriteAsync(header);
        for (var i = 0; i < chunks; i++)
        {
            await call.RequestStream.WriteAsync(data);
        }
        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    public bool IsCallFailure(Exception e) => e is Legacy.RpcException;

    public void Dispose() => _channel.Dispose();
}

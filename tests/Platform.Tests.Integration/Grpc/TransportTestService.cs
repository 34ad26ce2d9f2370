using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Platform.Rpc.Errors;
using Grpc.Net.Client;
using Platform.Tests.Integration.Grpc.Testing;

namespace Platform.Tests.Integration.Grpc;

internal sealed class TransportTestService : TransportTest.TransportTestBase
{
    /// <summary>How each Wait call ended ("completed" or "cancelled"), by its probe key.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource<string>> WaitOutcomes { get; } = new();

    public override async Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
    {
        var echoed = new Metadata();
        foreach (var entry in context.RequestHeaders.Where(e => e.Key.StartsWith("echo-", StringComparison.Ordinal)))
        {
            echoed.Add(entry);
            context.ResponseTrailers.Add(entry);
        }
        await context.WriteResponseHeadersAsync(echoed);
        return new EchoResponse
        {
            Payload = request.ResponseSize > 0 ? ByteString.CopyFrom(new byte[request.ResponseSize]) : request.Payload,
            Bytes = (ulong)request.Payload.Length,
        };
    }

    public override Task<EchoResponse> Fail(FailRequest request, ServerCallContext context) =>
        throw (request.Code == (int)StatusCode.InvalidArgument
            ? RichErrors.InvalidArgument([RichErrors.Violation(request.Field, request.Message)])
            : new RpcException(new Status((StatusCode)request.Code, request.Message)));

    public override async Task<EchoResponse> Wait(WaitRequest request, ServerCallContext context)
    {
        var outcome = WaitOutcomes.GetOrAdd(request.Probe, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await Task.Delay((int)request.Milliseconds, context.CancellationToken);
            outcome.TrySetResult("completed");
            return new EchoResponse();
        }
        catch (OperationCanceledException)
        {
            outcome.TrySetResult("cancelled");
            throw;
        }
    }

    public override async Task Count(CountRequest request, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        var payload = ByteString.CopyFrom(new byte[request.Size]);
        for (var i = 0u; i < request.Count; i++)
        {
            await responseStream.WriteAsync(new EchoResponse { Payload = payload, Messages = i + 1 }, context.CancellationToken);
        }
    }

    public override async Task<EchoResponse> Sum(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        var total = new EchoResponse();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            total.Messages++;
            total.Bytes += (ulong)request.Payload.Length;
        }
        return total;
    }

    public override async Task Chat(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        ulong count = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(new EchoResponse { Payload = request.Payload, Messages = ++count }, context.CancellationToken);
        }
    }
}

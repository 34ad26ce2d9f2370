using System.Runtime.CompilerServices;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;

namespace Platform.Cli.Agents;

/// <summary>A call of a method known only by its descriptor: raw wire bytes in and out.</summary>
internal static class DynamicCall
{
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(bytes => bytes, bytes => bytes);

    public static async IAsyncEnumerable<byte[]> InvokeAsync(GrpcChannel channel, MethodDescriptor descriptor, byte[] request, [EnumeratorCancellation] CancellationToken ct)
    {
        var invoker = channel.CreateCallInvoker();
        var options = new CallOptions(cancellationToken: ct);
        if (descriptor.IsServerStreaming)
        {
            var method = new Method<byte[], byte[]>(MethodType.ServerStreaming, descriptor.Service.FullName, descriptor.Name, Raw, Raw);
            using var call = invoker.AsyncServerStreamingCall(method, null, options, request);
            while (await call.ResponseStream.MoveNext(ct))
            {
                yield return call.ResponseStream.Current;
            }
        }
        else
        {
            var method = new Method<byte[], byte[]>(MethodType.Unary, descriptor.Service.FullName, descriptor.Name, Raw, Raw);
            using var call = invoker.AsyncUnaryCall(method, null, options, request);
            yield return await call.ResponseAsync;
        }
    }
}

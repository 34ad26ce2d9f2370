using Google.Protobuf;
using Platform.Grpc.Server;

namespace Platform.Grpc;

/// <summary>One RPC and the handler that serves it.</summary>
public abstract class ServerMethodDefinition
{
    private protected ServerMethodDefinition(IMethod method) => Method = method;

    public IMethod Method { get; }

    internal abstract Type RequestType { get; }

    internal abstract Type ResponseType { get; }

    internal abstract Task InvokeAsync(HttpServerCall call, object service);
}

/// <summary>The message types come from the method; each call shape only says how it runs.</summary>
internal abstract class ServerMethodDefinition<TRequest, TResponse>(Method<TRequest, TResponse> method) : ServerMethodDefinition(method)
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    internal override Type RequestType => typeof(TRequest);
    internal override Type ResponseType => typeof(TResponse);

    protected MessageParser<TRequest> RequestParser { get; } = method.RequestParser;
}

internal sealed class UnaryMethodDefinition<TService, TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TService, TRequest, TResponse> handler)
    : ServerMethodDefinition<TRequest, TResponse>(method)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    internal override async Task InvokeAsync(HttpServerCall call, object service)
    {
        var request = await call.ReadSingleMessageAsync(RequestParser).ConfigureAwait(false);
        var response = await handler((TService)service, request, call).ConfigureAwait(false);
        await call.WriteMessageAsync(response, call.CancellationToken).ConfigureAwait(false);
    }
}

internal sealed class ServerStreamingMethodDefinition<TService, TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TService, TRequest, TResponse> handler)
    : ServerMethodDefinition<TRequest, TResponse>(method)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    internal override async Task InvokeAsync(HttpServerCall call, object service)
    {
        call.AllowLongStreams();
        var request = await call.ReadSingleMessageAsync(RequestParser).ConfigureAwait(false);
        await handler((TService)service, request, new ServerStreamWriter<TResponse>(call), call).ConfigureAwait(false);
    }
}

internal sealed class ClientStreamingMethodDefinition<TService, TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TService, TRequest, TResponse> handler)
    : ServerMethodDefinition<TRequest, TResponse>(method)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    internal override async Task InvokeAsync(HttpServerCall call, object service)
    {
        call.AllowLongStreams();
        var response = await handler((TService)service, new RequestStreamReader<TRequest>(call, RequestParser), call).ConfigureAwait(false);
        await call.WriteMessageAsync(response, call.CancellationToken).ConfigureAwait(false);
    }
}

internal sealed class DuplexStreamingMethodDefinition<TService, TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TService, TRequest, TResponse> handler)
    : ServerMethodDefinition<TRequest, TResponse>(method)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    internal override Task InvokeAsync(HttpServerCall call, object service)
    {
        call.AllowLongStreams();
        return handler((TService)service, new RequestStreamReader<TRequest>(call, RequestParser), new ServerStreamWriter<TResponse>(call), call);
    }
}

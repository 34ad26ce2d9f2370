using Google.Protobuf;

namespace Platform.Grpc.Server;

internal sealed class RequestStreamReader<T>(HttpServerCall call, MessageParser<T> parser) : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private T? _current;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CancellationToken)
            : null;
        _current = await call.ReadMessageAsync(parser, linked?.Token ?? call.CancellationToken).ConfigureAwait(false);
        return _current is not null;
    }
}

internal sealed class ServerStreamWriter<T>(HttpServerCall call) : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    public async Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CancellationToken)
            : null;
        await call.WriteMessageAsync(message, linked?.Token ?? call.CancellationToken).ConfigureAwait(false);
    }
}

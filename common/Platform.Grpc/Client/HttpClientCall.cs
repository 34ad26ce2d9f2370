using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Platform.Grpc.Protocol;

namespace Platform.Grpc.Client;

/// <summary>
/// One call as an HTTP/2 request: headers out, messages both ways, status from the trailers
/// (or from the headers of a trailers-only response). Every failure surfaces as RpcException.
/// </summary>
internal sealed class HttpClientCall<TRequest, TResponse> : IDisposable
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new(GrpcProtocol.ContentType);
    private static readonly ProductInfoHeaderValue UserAgent = new("platform-grpc", "1.0");

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationTokenSource _cancellation;
    private readonly TaskCompletionSource<Metadata> _responseHeaders = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task<PipeReader?>? _responseBody;
    private HttpResponseMessage? _response;
    private string? _responseEncoding;
    private Status? _status;
    private Metadata? _trailers;
    private StreamingRequestContent? _requestStream;

    public HttpClientCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        if (options.Headers is { } headers)
        {
            MetadataHeaders.EnsureSendable(headers);
        }
        if (options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var remaining = deadline.ToUniversalTime() - DateTime.UtcNow;
            _deadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }
        _cancellation = _deadline is null
            ? CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, _deadline.Token);
    }

    public Task<Metadata> ResponseHeadersAsync => _responseHeaders.Task;

    public IClientStreamWriter<TRequest> RequestStream => _requestStream
        ?? throw new InvalidOperationException("This call has no request stream.");

    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call has not finished.");

    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("The call has not finished.");

    /// <summary>Unary and server-streaming: the one request goes out with the headers.</summary>
    public void Start(TRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(GrpcProtocol.FrameHeaderSize + request.CalculateSize());
        MessageFraming.Write(buffer, request, _channel.Options.MaxSendMessageSize, _channel.Options.CompressRequests);
        _responseBody = SendAsync(new ReadOnlyMemoryContent(buffer.WrittenMemory));
    }

    /// <summary>Client-streaming and duplex: messages go out as the caller writes them.</summary>
    public void StartStreaming()
    {
        _requestStream = new StreamingRequestContent(this);
        _responseBody = SendAsync(_requestStream);
    }

    /// <summary>The next response message, or null after the last one (the status was OK).</summary>
    public async Task<TResponse?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        var body = await _responseBody!.ConfigureAwait(false);
        if (body is null)
        {
            // Trailers-only response: no messages, the status is already known.
            return _status!.Value.StatusCode == StatusCode.OK ? null : throw new RpcException(_status.Value, _trailers!);
        }
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cancellation.Token)
            : null;
        try
        {
            var message = await MessageFraming.ReadAsync(body, _method.ResponseParser, _channel.Options.MaxReceiveMessageSize, _responseEncoding, linked?.Token ?? _cancellation.Token)
                .ConfigureAwait(false);
            if (message is not null)
            {
                return message;
            }
        }
        catch (RpcException e) when (_status is null)
        {
            // A protocol error of the response: the call is over from our side.
            Fail(e.Status);
            throw;
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Fail(e);
        }
        FinishFromTrailers();
        return _status!.Value.StatusCode == StatusCode.OK ? null : throw new RpcException(_status.Value, _trailers!);
    }

    /// <summary>Unary and client-streaming: exactly one response message, then an OK status.</summary>
    public async Task<TResponse> ReadSingleResponseAsync()
    {
        var response = await ReadMessageAsync(CancellationToken.None).ConfigureAwait(false)
            ?? throw Fail(new Status(StatusCode.Internal, "Failed to deserialize response message: the server sent no message."));
        if (await ReadMessageAsync(CancellationToken.None).ConfigureAwait(false) is not null)
        {
            throw Fail(new Status(StatusCode.Internal, "The server sent more than one response message for a method that returns one."));
        }
        return response;
    }

    public void Dispose()
    {
        if (_status is null)
        {
            _status = new Status(StatusCode.Cancelled, "Call disposed before it finished.");
            _trailers = new Metadata();
            _cancellation.Cancel();
        }
        _requestStream?.Abandon();
        _response?.Dispose();
        _cancellation.Dispose();
        _deadline?.Dispose();
    }

    internal async Task WriteAsync(Stream stream, TRequest message, CancellationToken cancellationToken)
    {
        if (_status is { } status)
        {
            throw new RpcException(status.StatusCode == StatusCode.OK ? new Status(StatusCode.Internal, "The call already finished.") : status, _trailers ?? new Metadata());
        }
        using var buffer = new PooledBufferWriter(GrpcProtocol.FrameHeaderSize + message.CalculateSize());
        MessageFraming.Write(buffer, message, _channel.Options.MaxSendMessageSize, _channel.Options.CompressRequests);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cancellation.Token);
        try
        {
            await stream.WriteAsync(buffer.WrittenMemory, linked.Token).ConfigureAwait(false);
            await stream.FlushAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Fail(e);
        }
    }

    private async Task<PipeReader?> SendAsync(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_channel.Address, _method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        content.Headers.ContentType = GrpcContentType;
        var headers = request.Headers;
        headers.TE.Add(new TransferCodingWithQualityHeaderValue(GrpcProtocol.Trailers));
        headers.UserAgent.Add(UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);
        if (_channel.Options.CompressRequests)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, GrpcProtocol.Gzip);
        }
        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(deadline.ToUniversalTime() - DateTime.UtcNow));
        }
        if (_options.Headers is { } metadata)
        {
            MetadataHeaders.ToHttp(metadata, headers);
        }

        try
        {
            _cancellation.Token.ThrowIfCancellationRequested();
            _response = await _channel.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _cancellation.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Fail(e);
        }

        var response = _response;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw Fail(StatusFromHeaders(response.Headers)
                ?? new Status(GrpcProtocol.FromHttpStatus((int)response.StatusCode), $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}"));
        }
        if (!GrpcProtocol.IsGrpcContentType(response.Content.Headers.ContentType?.MediaType))
        {
            throw Fail(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {response.Content.Headers.ContentType}"));
        }
        _responseEncoding = response.Headers.TryGetValues(GrpcProtocol.EncodingHeader, out var encodings) ? encodings.FirstOrDefault() : null;
        _responseHeaders.TrySetResult(MetadataHeaders.FromHttp(response.Headers));

        if (StatusFromHeaders(response.Headers) is { } trailersOnlyStatus)
        {
            _trailers = MetadataHeaders.FromHttp(response.Headers);
            _status = trailersOnlyStatus;
            Release();
            return null;
        }
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(_cancellation.Token).ConfigureAwait(false);
            return PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        }
        catch (Exception e)
        {
            throw Fail(e);
        }
    }

    private void FinishFromTrailers()
    {
        var trailers = _response!.TrailingHeaders;
        _trailers = MetadataHeaders.FromHttp(trailers);
        _status = StatusFromHeaders(trailers) ?? new Status(StatusCode.Internal, "No grpc-status found on response.");
        Release();
    }

    /// <summary>Once the status is known nothing more is read or sent: free the stream and the deadline timer without waiting for Dispose.</summary>
    private void Release()
    {
        _requestStream?.Abandon();
        _response?.Dispose();
        _deadline?.Dispose();
    }

    private static Status? StatusFromHeaders(HttpHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues))
        {
            return null;
        }
        var text = statusValues.FirstOrDefault();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Unknown, $"Unexpected grpc-status value '{text}'.");
        }
        var message = headers.NonValidated.TryGetValues(GrpcProtocol.MessageHeader, out var messages)
            ? PercentEncoding.Decode(messages.FirstOrDefault() ?? "")
            : "";
        return new Status(Enum.IsDefined((StatusCode)code) ? (StatusCode)code : StatusCode.Unknown, message);
    }

    /// <summary>Ends the call with <paramref name="status"/> (the first ending wins) and returns the exception to throw.</summary>
    private RpcException Fail(Status status)
    {
        _status ??= status;
        _trailers ??= new Metadata();
        _responseHeaders.TrySetException(new RpcException(_status.Value, _trailers));
        if (!_cancellation.IsCancellationRequested)
        {
            _cancellation.Cancel();
        }
        Release();
        return new RpcException(_status.Value, _trailers);
    }

    private RpcException Fail(Exception exception)
    {
        if (exception is RpcException rpc)
        {
            return Fail(rpc.Status);
        }
        var status = _deadline?.IsCancellationRequested == true ? new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded")
            : _options.CancellationToken.IsCancellationRequested ? new Status(StatusCode.Cancelled, "Call canceled by the client.")
            : exception switch
            {
                HttpRequestException { InnerException: HttpProtocolException protocol } => FromProtocolError(protocol),
                HttpProtocolException protocol => FromProtocolError(protocol),
                HttpRequestException request => new Status(StatusCode.Unavailable, "Error starting gRPC call: " + request.Message),
                IOException io => new Status(StatusCode.Unavailable, "Error reading the response: " + io.Message),
                OperationCanceledException => new Status(StatusCode.Cancelled, "Call canceled."),
                _ => new Status(StatusCode.Internal, $"{exception.GetType().Name}: {exception.Message}"),
            };
        var failure = Fail(status);
        return new RpcException(failure.Status, failure.Trailers, exception);
    }

    // RST_STREAM codes mapped as the spec's "Errors" section says.
    private static Status FromProtocolError(HttpProtocolException error) => error.ErrorCode switch
    {
        0x8 => new Status(StatusCode.Cancelled, "The server cancelled the stream."),
        0x7 => new Status(StatusCode.Unavailable, "The server refused the stream."),
        0xB => new Status(StatusCode.ResourceExhausted, "HTTP/2 ENHANCE_YOUR_CALM."),
        0xC => new Status(StatusCode.PermissionDenied, "HTTP/2 INADEQUATE_SECURITY."),
        _ => new Status(StatusCode.Internal, $"HTTP/2 error {error.ErrorCode}: {error.Message}"),
    };

    /// <summary>The request body of a streaming call: open until the caller completes it or the call ends.</summary>
    private sealed class StreamingRequestContent(HttpClientCall<TRequest, TResponse> call) : HttpContent, IClientStreamWriter<TRequest>
    {
        private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly SemaphoreSlim _writeLock = new(1, 1);

        public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(message);
            if (_completed.Task.IsCompleted)
            {
                throw new InvalidOperationException("The request stream is already complete.");
            }
            if (!await _writeLock.WaitAsync(0, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("A write is already in progress; gRPC streams allow one at a time.");
            }
            try
            {
                var stream = await _stream.Task.WaitAsync(call._cancellation.Token).ConfigureAwait(false);
                await call.WriteAsync(stream, message, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw call.Fail(e);
            }
            finally
            {
                _writeLock.Release();
            }
        }

        public Task CompleteAsync()
        {
            _completed.TrySetResult();
            return Task.CompletedTask;
        }

        internal void Abandon() => _completed.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            _stream.TrySetResult(stream);
            await _completed.Task.ConfigureAwait(false);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            SerializeToStreamAsync(stream, context);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _writeLock.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

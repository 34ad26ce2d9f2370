using System.IO.Pipelines;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Platform.Grpc.Protocol;

namespace Platform.Grpc.Server;

/// <summary>One gRPC call on one HTTP/2 stream, as its handler sees it.</summary>
internal sealed class HttpServerCall : ServerCallContext, IDisposable
{
    private readonly HttpContext _http;
    private readonly GrpcServerOptions _options;
    private readonly CancellationTokenSource _cancellation;
    private readonly string? _requestEncoding;
    private readonly bool _compressResponses;
    private Metadata? _requestHeaders;
    private bool _writePending;

    private HttpServerCall(HttpContext http, GrpcServerOptions options, DateTime deadline, string? requestEncoding)
    {
        _http = http;
        _options = options;
        _requestEncoding = requestEncoding;
        Deadline = deadline;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        if (deadline != DateTime.MaxValue)
        {
            _cancellation.CancelAfter(MaxDelay(deadline - DateTime.UtcNow));
        }
        _compressResponses = options.CompressResponses
            && http.Request.Headers[GrpcProtocol.AcceptEncodingHeader].ToString().Contains(GrpcProtocol.Gzip, StringComparison.Ordinal);
    }

    /// <summary>Reads the call's protocol headers; a bad one is answered with a status and no call is made.</summary>
    public static HttpServerCall? TryCreate(HttpContext http, GrpcServerOptions options, out Status error)
    {
        error = Status.DefaultSuccess;
        var deadline = DateTime.MaxValue;
        var timeoutHeader = http.Request.Headers[GrpcProtocol.TimeoutHeader].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var timeout))
            {
                error = new Status(StatusCode.Internal, $"Malformed grpc-timeout header '{timeoutHeader}'.");
                return null;
            }
            deadline = DateTime.UtcNow + timeout;
        }

        var encoding = http.Request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length > 0 && encoding != GrpcProtocol.Identity && encoding != GrpcProtocol.Gzip)
        {
            error = new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding '{encoding}'; supported: {GrpcProtocol.SupportedEncodings}.");
            return null;
        }
        return new HttpServerCall(http, options, deadline, encoding.Length == 0 ? null : encoding);
    }

    public override string Method => _http.Request.Path.Value ?? "";

    public override string Peer => _http.Connection.RemoteIpAddress switch
    {
        null => "unknown",
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ip => $"ipv6:[{ip}]:{_http.Connection.RemotePort}",
        var ip => $"ipv4:{ip}:{_http.Connection.RemotePort}",
    };

    public override DateTime Deadline { get; }

    public override Metadata RequestHeaders => _requestHeaders ??= MetadataHeaders.FromHttp(_http.Request.Headers);

    public override CancellationToken CancellationToken => _cancellation.Token;

    public override Metadata ResponseTrailers { get; } = new();

    public override Status Status { get; set; } = Status.DefaultSuccess;

    public override X509Certificate2? ClientCertificate => _http.Connection.ClientCertificate;

    public bool DeadlineExceeded => Deadline != DateTime.MaxValue && DateTime.UtcNow >= Deadline;

    public bool ClientGone => _http.RequestAborted.IsCancellationRequested;

    public bool ResponseStarted => _http.Response.HasStarted;

    public override HttpContext GetHttpContext() => _http;

    public override Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        if (_http.Response.HasStarted)
        {
            throw new InvalidOperationException("Response headers can only be sent once per call.");
        }
        PrepareResponseHeaders();
        MetadataHeaders.ToHttp(responseHeaders, _http.Response.Headers);
        return _http.Response.StartAsync(CancellationToken);
    }

    /// <summary>Streams beyond a few messages must not trip Kestrel's body-size and data-rate limits.</summary>
    public void AllowLongStreams()
    {
        if (_http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }
        if (_http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }
    }

    public ValueTask<T?> ReadMessageAsync<T>(MessageParser<T> parser, CancellationToken cancellationToken)
        where T : IMessage<T> =>
        MessageFraming.ReadAsync(_http.Request.BodyReader, parser, _options.MaxReceiveMessageSize, _requestEncoding, cancellationToken);

    /// <summary>Unary and server-streaming calls carry exactly one request message.</summary>
    public async Task<T> ReadSingleMessageAsync<T>(MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        var message = await ReadMessageAsync(parser, CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.Internal, "The request stream ended without a message."));
        if (await ReadMessageAsync(parser, CancellationToken).ConfigureAwait(false) is not null)
        {
            throw new RpcException(new Status(StatusCode.Internal, "More than one request message for a method that takes one."));
        }
        return message;
    }

    public async Task WriteMessageAsync(IMessage message, CancellationToken cancellationToken)
    {
        if (_writePending)
        {
            throw new InvalidOperationException("A write is already in progress; gRPC streams allow one at a time.");
        }
        _writePending = true;
        try
        {
            if (!_http.Response.HasStarted)
            {
                PrepareResponseHeaders();
            }
            var body = _http.Response.BodyWriter;
            MessageFraming.Write(body, message, _options.MaxSendMessageSize, _compressResponses);
            var flushed = await body.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flushed.IsCanceled)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
        finally
        {
            _writePending = false;
        }
    }

    /// <summary>
    /// Ends the call with <paramref name="status"/>: in trailers after a started response, or
    /// as a trailers-only response (status in the headers, no body) when nothing was sent yet.
    /// </summary>
    public void Finish(Status status, Metadata trailers)
    {
        var response = _http.Response;
        if (!response.HasStarted)
        {
            PrepareResponseHeaders();
            WriteStatus(response.Headers, status, trailers);
            return;
        }
        if (!response.SupportsTrailers())
        {
            return;
        }
        var trailerHeaders = new HeaderDictionary();
        WriteStatus(trailerHeaders, status, trailers);
        foreach (var (name, value) in trailerHeaders)
        {
            response.AppendTrailer(name, value);
        }
    }

    public static void WriteTrailersOnly(HttpResponse response, Status status, int httpStatus = StatusCodes.Status200OK)
    {
        response.StatusCode = httpStatus;
        response.ContentType = GrpcProtocol.ContentType;
        WriteStatus(response.Headers, status, new Metadata());
    }

    public void Dispose() => _cancellation.Dispose();

    private void PrepareResponseHeaders()
    {
        var response = _http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
        if (_compressResponses)
        {
            response.Headers[GrpcProtocol.EncodingHeader] = GrpcProtocol.Gzip;
        }
    }

    private static void WriteStatus(IHeaderDictionary headers, Status status, Metadata trailers)
    {
        headers[GrpcProtocol.StatusHeader] = ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
        }
        MetadataHeaders.ToHttp(trailers, headers);
    }

    // CancellationTokenSource.CancelAfter takes at most int.MaxValue milliseconds.
    private static TimeSpan MaxDelay(TimeSpan delay) =>
        delay <= TimeSpan.Zero ? TimeSpan.Zero : delay.TotalMilliseconds >= int.MaxValue ? TimeSpan.FromMilliseconds(int.MaxValue - 1) : delay;
}

using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Platform.Rpc.Identity;
using Platform.Rpc.Logging;
using Platform.Rpc.Tls;

namespace Platform.Rpc.Client;

/// <summary>How one of the platform's daemons reaches another over gRPC.</summary>
public sealed class PlatformChannelOptions
{
    /// <summary>For https:// addresses: the pinned CA and (mutual TLS) the client certificate. The channel does not dispose them.</summary>
    public ClientTlsCredentials? Tls { get; init; }

    /// <summary>
    /// For https:// addresses: the identity (spiffe://platform/…) the server's certificate must
    /// carry besides chaining to the pinned CA; null: any server certificate of that CA.
    /// A server of another identity fails the handshake, so the call never reaches it (UNAVAILABLE, saying why).
    /// </summary>
    public PlatformIdentity? ServerIdentity { get; init; }

    /// <summary>Largest response message accepted; larger ones fail the call with RESOURCE_EXHAUSTED.</summary>
    public int? MaxReceiveMessageSize { get; init; } = GrpcLimits.DefaultMaxMessageSize;

    /// <summary>Largest request message sent; null for no limit.</summary>
    public int? MaxSendMessageSize { get; init; }

    /// <summary>
    /// HTTP/2 PING after this much idle time, to notice a dead peer; null (the default) disables.
    /// grpc-core servers accept a ping without data only every 5 minutes and close the
    /// connection after two early ones ("too_many_pings"), so stay at or above that against
    /// them; Kestrel does not police pings. SocketsHttpHandler's minimum is 1 s.
    /// </summary>
    public TimeSpan? KeepAlivePingDelay { get; init; }

    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>grpc-dotnet's own diagnostics (connection and call events) go here; null: none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

public static class PlatformChannel
{
    /// <summary>
    /// A grpc-dotnet channel to <paramref name="address"/> (http:// for h2c, https:// for TLS with
    /// the pinned CA only). One per server for the life of the process: HTTP/2 connections are reused.
    /// </summary>
    public static GrpcChannel ForAddress(string address, PlatformChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var uri = new Uri(address);
        if (uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"gRPC address must be http:// or https://, not {address}", nameof(address));
        }
        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            HttpHandler = new HandshakeFailureHandler(CreateHandler(options)),
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
            MaxSendMessageSize = options.MaxSendMessageSize,
            LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance,
        });
    }

    /// <summary>The channel's calls, each logged when it ends (method, status, duration, operation id, trace id).</summary>
    public static CallInvoker CreateLoggedInvoker(this GrpcChannel channel, ILoggerFactory loggers) =>
        channel.Intercept(new ClientCallLogInterceptor(loggers.CreateLogger(CallLog.Category), channel.Target));

    private static SocketsHttpHandler CreateHandler(PlatformChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            // Open more HTTP/2 connections when one reaches the server's stream limit.
            EnableMultipleHttp2Connections = true,
            // Windows big enough that one stream moves hundreds of MB/s on loopback.
            InitialHttp2StreamWindowSize = 8 * 1024 * 1024,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        };
        if (options.KeepAlivePingDelay is { } delay)
        {
            handler.KeepAlivePingDelay = delay;
            handler.KeepAlivePingTimeout = options.KeepAlivePingTimeout;
            handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always;
        }
        if (options.Tls is { } tls)
        {
            if (tls.Certificate is not null)
            {
                // Asked for on every new connection, so a certificate renewed on disk is presented without a restart.
                handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => tls.Certificate!;
            }
            var validate = ServerValidation(tls.Authority, options.ServerIdentity);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, serverCertificate, _, errors) => validate(serverCertificate as X509Certificate2, errors);
        }
        return handler;
    }

    /// <summary>
    /// The check of a server's certificate: it chains to <paramref name="authority"/>, is issued
    /// for TLS servers, and (when <paramref name="expected"/> is set) carries that identity. A
    /// certificate of the wrong identity throws <see cref="AuthenticationException"/> saying
    /// whose it is, which the failed call carries in its status detail (a plain false would
    /// only say that the callback rejected it).
    /// </summary>
    internal static Func<X509Certificate2?, SslPolicyErrors, bool> ServerValidation(PinnedCertificateAuthority authority, PlatformIdentity? expected) =>
        (certificate, errors) =>
        {
            if (!authority.Validates(certificate, errors, PinnedCertificateAuthority.ServerAuthentication))
            {
                return false;
            }
            if (expected is not null && PlatformIdentity.ServerMismatch(certificate!, expected) is { } mismatch)
            {
                throw new AuthenticationException(mismatch);
            }
            return true;
        };

    /// <summary>
    /// A request HttpClient could not get through — a refused TLS handshake (an untrusted
    /// certificate, none where one is required), a server that closes the connection before the
    /// HTTP/2 handshake ends (how a TLS 1.3 server refuses a client certificate), any other
    /// transport failure — is UNAVAILABLE, as grpc-core reports transport failures. grpc-dotnet says INTERNAL unless the failure carries
    /// an IOException, so it gets one.
    /// </summary>
    private sealed class HandshakeFailureHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (!Causes(e).Any(c => c is IOException))
            {
                throw new HttpRequestException(e.HttpRequestError,
                    $"connection to {request.RequestUri?.GetLeftPart(UriPartial.Authority)} could not be established: {e.InnerException?.Message ?? e.Message}",
                    new IOException(e.Message, e));
            }
        }

        private static IEnumerable<Exception> Causes(Exception e)
        {
            for (var cause = e.InnerException; cause is not null; cause = cause.InnerException)
            {
                yield return cause;
            }
        }
    }
}

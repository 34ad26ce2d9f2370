using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Platform.Grpc;

/// <summary>
/// A connection pool to one server address (<c>http://</c> for h2c, <c>https://</c> for TLS),
/// shared by every client created from it. Thread-safe; create one per server and keep it.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly HttpMessageHandler _handler;
    private readonly bool _ownsHandler;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        if (address.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"gRPC address must be http:// or https://, not {address}", nameof(address));
        }
        Address = address;
        Options = options;
        _ownsHandler = options.HttpHandler is null;
        _handler = options.HttpHandler ?? CreateHandler(options);
        HttpClient = new HttpClient(_handler, disposeHandler: false)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public Uri Address { get; }

    public GrpcChannelOptions Options { get; }

    internal HttpClient HttpClient { get; }

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address), options);

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null) =>
        new(address, options ?? new GrpcChannelOptions());

    public CallInvoker CreateCallInvoker() => new Client.HttpCallInvoker(this);

    public void Dispose()
    {
        HttpClient.Dispose();
        if (_ownsHandler)
        {
            _handler.Dispose();
        }
    }

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            // Windows big enough that one stream can move hundreds of MB/s on loopback.
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
        if (options.ClientCertificate is { } certificate)
        {
            handler.SslOptions.ClientCertificates = [certificate];
        }
        if (options.TrustedCertificateAuthority is { } authority)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, serverCertificate, _, errors) =>
                authority.Validates(serverCertificate as X509Certificate2, errors, PinnedCertificateAuthority.ServerAuthentication);
        }
        return handler;
    }
}

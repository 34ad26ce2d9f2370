using System.Security.Cryptography.X509Certificates;

namespace Platform.Grpc;

public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted; larger ones fail the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = Protocol.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest request message sent; null for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Compress request messages with gzip (grpc-encoding: gzip).</summary>
    public bool CompressRequests { get; set; }

    /// <summary>For https addresses: the client certificate of mutual TLS (with its private key).</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>
    /// For https addresses: the CA the server's certificate must chain to. When set, only this
    /// CA is trusted (the system store is not consulted).
    /// </summary>
    public PinnedCertificateAuthority? TrustedCertificateAuthority { get; set; }

    /// <summary>
    /// HTTP/2 PING after this much idle time, to notice a dead peer; null (the default) disables.
    /// grpc-core servers accept a ping without data only every 5 minutes and close the
    /// connection after two early ones ("too_many_pings"), so stay at or above that against
    /// them; Kestrel (the agent) does not police pings.
    /// </summary>
    public TimeSpan? KeepAlivePingDelay { get; set; }

    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Open more HTTP/2 connections when one reaches the server's stream limit.</summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;

    /// <summary>Replaces the handler the channel builds (tests, custom transports). The channel does not dispose it.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }
}

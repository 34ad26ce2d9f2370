using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Platform.Grpc;

/// <summary>What a handler knows of its call and can set on its answer.</summary>
public abstract class ServerCallContext
{
    /// <summary>The :path, e.g. <c>/platform.agent.v1.HostService/GetAgentInfo</c>.</summary>
    public abstract string Method { get; }

    /// <summary>The peer's address, e.g. <c>ipv4:127.0.0.1:53412</c>.</summary>
    public abstract string Peer { get; }

    /// <summary>When the client stops waiting (UTC); <see cref="DateTime.MaxValue"/> when it sent no grpc-timeout.</summary>
    public abstract DateTime Deadline { get; }

    public abstract Metadata RequestHeaders { get; }

    /// <summary>Cancelled when the deadline passes, the client cancels or goes away, or the server stops.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>Sent after the handler returns, with the status.</summary>
    public abstract Metadata ResponseTrailers { get; }

    /// <summary>The status sent when the handler returns normally; OK unless set.</summary>
    public abstract Status Status { get; set; }

    /// <summary>The client certificate of a mutual-TLS connection, else null.</summary>
    public abstract X509Certificate2? ClientCertificate { get; }

    /// <summary>Sends the response headers now (at most once, before the first message).</summary>
    public abstract Task WriteResponseHeadersAsync(Metadata responseHeaders);

    public abstract HttpContext GetHttpContext();
}

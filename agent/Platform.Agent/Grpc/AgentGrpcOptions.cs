using System.ComponentModel.DataAnnotations;

namespace Platform.Agent.Grpc;

internal sealed class AgentGrpcOptions
{
    public const string Section = "Grpc";

    public const string AuthorityKey = $"{Section}:{nameof(ClientCertificateAuthority)}";

    /// <summary>
    /// PEM file of the CA that controllers' client certificates must chain to. When set, the
    /// HTTPS endpoints require a client certificate (mutual TLS) and trust only this CA.
    /// </summary>
    public string? ClientCertificateAuthority { get; set; }

    /// <summary>Largest request message accepted (bytes).</summary>
    [Range(4096, 256 * 1024 * 1024)]
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    public bool EnableDetailedErrors { get; set; }
}

namespace Platform.Grpc;

public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted; larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = Protocol.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message sent; null for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Compress responses with gzip when the client accepts it.</summary>
    public bool CompressResponses { get; set; }

    /// <summary>Put an unexpected exception's message in the status sent to the client (never the stack).</summary>
    public bool EnableDetailedErrors { get; set; }
}

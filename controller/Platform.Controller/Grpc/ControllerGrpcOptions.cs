namespace Platform.Controller.Grpc;

/// <summary>The controller's gRPC server (section <c>Grpc</c>), where agents register and heartbeat.</summary>
internal sealed class ControllerGrpcOptions
{
    public const string Section = "Grpc";

    /// <summary>
    /// PEM file of the CA that agents' client certificates must chain to. When set, the Kestrel
    /// endpoint "Grpc" must be https:// and admits only clients presenting a certificate of this CA.
    /// </summary>
    public string? ClientCertificateAuthority { get; set; }
}

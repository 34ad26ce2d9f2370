using Platform.Contracts.Controller.V1;
using Platform.Rpc.Identity;

namespace Platform.Controller.Grpc;

/// <summary>
/// The controller's gRPC callers: the HostRegistry is for agents, each registering and
/// heartbeating only the host its certificate names (a stolen or misused certificate of one host
/// cannot announce another, nor a made-up one); health and reflection are for any identity of
/// the platform. Anything else is refused.
/// </summary>
internal sealed class ControllerCallerPolicy : ICallerPolicy
{
    private static readonly string RegistryPrefix = $"/{HostRegistry.Descriptor.FullName}/";
    private static readonly string[] OpenToEveryIdentity =
    [
        "/grpc.health.v1.Health/",
        "/grpc.reflection.v1.ServerReflection/",
        "/grpc.reflection.v1alpha.ServerReflection/",
    ];

    public string? Refusal(string method, PlatformIdentity caller, object? request)
    {
        if (OpenToEveryIdentity.Any(prefix => method.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return null;
        }
        if (!method.StartsWith(RegistryPrefix, StringComparison.Ordinal))
        {
            return $"{caller} may not call it: the controller serves no such call to anyone";
        }
        if (caller.Role != PlatformRole.Agent)
        {
            return $"{caller} is not an agent; only agents register and heartbeat hosts";
        }
        var hostId = request switch
        {
            RegisterHostRequest register => register.HostId,
            HeartbeatRequest heartbeat => heartbeat.HostId,
            _ => null,
        };
        return hostId == caller.Name
            ? null
            : $"the certificate of {caller} is for host {caller.Name}, not host '{hostId}'; an agent registers and heartbeats only the host its certificate names";
    }
}

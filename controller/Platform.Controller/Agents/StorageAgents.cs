using Platform.Controller.Api;
using Platform.Controller.Hosts;

namespace Platform.Controller.Agents;

/// <summary>
/// The agent to use for RBD work that belongs to no host: the pools live in the shared Ceph
/// cluster, so any up host's agent reaches them.
/// </summary>
internal sealed class StorageAgents(HostStore hosts, AgentClients agents)
{
    public const string ImagesPool = "images";
    public const string VolumesPool = "volumes";

    public async Task<ApiResult<AgentClient>> AnyAsync(CancellationToken ct) =>
        await hosts.AnyUpHostAsync(ct) is { } host
            ? agents.For(host.HostId, host.GrpcEndpoint)
            : NoHostError;

    public static ApiError NoHostError { get; } =
        new(ApiErrorCode.NoHostAvailable, "no compute host is up: no agent has heartbeated recently");
}

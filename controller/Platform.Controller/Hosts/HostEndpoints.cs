using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;

namespace Platform.Controller.Hosts;

/// <summary>/api/v1/hosts/list: the compute hosts, their capacity and liveness.</summary>
internal static class HostEndpoints
{
    public static void MapHostEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/hosts/list", async (HostStore hosts, CancellationToken ct) =>
        {
            var all = await hosts.ListAsync(ct);
            return ApiEnvelope.Ok(new PageOf<HostView>(all.Count, 1, Math.Max(all.Count, 1), all.Select(HostView.From).ToList()));
        }).Describe(new("host_list", "hosts", "The compute hosts, their capacity and liveness (one page with all of them)", typeof(PageOf<HostView>)) { Access = ApiAccess.Viewer });
}

/// <param name="DomainType">kvm or qemu, as the host's agent chose at its start (empty from an agent that does not report it).</param>
internal sealed record HostView(string HostId, string Hostname, string HostIp, string GrpcEndpoint, string Status, int Cpus, long MemoryBytes, long MemoryFreeBytes, int RunningDomains, string AgentVersion, long LastHeartbeat,
    string DomainType, string DomainTypeReason)
{
    public static HostView From(HostRecord h) => new(h.HostId, h.Hostname, h.HostIp, h.GrpcEndpoint, h.Status, h.Cpus, h.MemoryBytes, h.MemoryFreeBytes,
        h.RunningDomains, h.AgentVersion, new DateTimeOffset(DateTime.SpecifyKind(h.LastHeartbeat, DateTimeKind.Utc)).ToUnixTimeSeconds(),
        h.DomainType, h.DomainTypeReason);
}

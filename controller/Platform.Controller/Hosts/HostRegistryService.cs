using Microsoft.Extensions.Options;
using Platform.Contracts.Controller.V1;
using Platform.Controller.Agents;
using Grpc.Core;

namespace Platform.Controller.Hosts;

/// <summary>The controller's side of agent registration and heartbeats.</summary>
internal sealed partial class HostRegistryService(HostStore hosts, IOptions<HostsOptions> options, IOptions<AgentOptions> agents, ILogger<HostRegistryService> logger)
    : HostRegistry.HostRegistryBase
{
    public override async Task<RegisterHostResponse> RegisterHost(RegisterHostRequest request, ServerCallContext context)
    {
        var problems = HostRegistrationValidator.Validate(request);
        if (problems.Count > 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, string.Join("; ", problems)));
        }
        if (agents.Value.Tls.Enabled && !request.GrpcEndpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            // Commands to an h2c endpoint would bypass the mutual TLS this controller is set up for.
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"this controller calls agents over mutual TLS only; grpc_endpoint {request.GrpcEndpoint} must be https://"));
        }
        await hosts.UpsertAsync(new HostRegistration(
            request.HostId, request.Hostname, request.GrpcEndpoint, request.HostIp, (int)request.Cpus,
            (long)request.MemoryTotalBytes, (long)request.MemoryFreeBytes, request.AgentVersion,
            request.DomainType, request.DomainTypeReason), context.CancellationToken);
        LogRegistered(request.HostId, request.GrpcEndpoint, request.Cpus, request.MemoryTotalBytes, request.DomainType);
        return new RegisterHostResponse { HeartbeatIntervalSeconds = IntervalSeconds };
    }

    public override async Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        if (!HostRegistrationValidator.IsHostId(request.HostId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "host_id is missing or malformed"));
        }
        if (!await hosts.HeartbeatAsync(request.HostId, (long)Math.Min(request.MemoryFreeBytes, long.MaxValue), (int)Math.Min(request.RunningDomains, int.MaxValue), context.CancellationToken))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"host {request.HostId} is not registered; register again"));
        }
        return new HeartbeatResponse { HeartbeatIntervalSeconds = IntervalSeconds };
    }

    private uint IntervalSeconds => (uint)Math.Max(1, options.Value.HeartbeatInterval.TotalSeconds);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Host {HostId} registered: agent at {Endpoint}, {Cpus} CPUs, {MemoryBytes} bytes of memory, domain type {DomainType}")]
    private partial void LogRegistered(string hostId, string endpoint, uint cpus, ulong memoryBytes, string domainType);
}

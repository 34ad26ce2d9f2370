using System.Reflection;
using Platform.Contracts.Agent.V1;
using Grpc.Core;

namespace Platform.Agent.Host;

/// <summary>What the agent is (GetAgentInfo), what the host has (GetHostInfo) and a round-trip probe (Ping).</summary>
internal sealed class AgentHostService(TimeProvider clock, HostInventory inventory) : HostService.HostServiceBase
{
    public const string ContractVersion = "platform.agent.v1";

    private static readonly string AgentVersion =
        typeof(AgentHostService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private readonly ulong _startedAt = (ulong)clock.GetUtcNow().ToUnixTimeSeconds();

    public override Task<AgentInfo> GetAgentInfo(GetAgentInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new AgentInfo
        {
            AgentVersion = AgentVersion,
            ContractVersions = { ContractVersion },
            Hostname = Environment.MachineName,
            StartedAt = _startedAt,
        });

    public override Task<HostInfo> GetHostInfo(GetHostInfoRequest request, ServerCallContext context) =>
        inventory.CollectAsync(context.CancellationToken);

    public override async Task Ping(IAsyncStreamReader<PingRequest> requestStream, IServerStreamWriter<PingResponse> responseStream, ServerCallContext context)
    {
        await foreach (var ping in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(new PingResponse
            {
                Sequence = ping.Sequence,
                Payload = ping.Payload,
                AnsweredAtUnixNanos = (ulong)(clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100,
            }, context.CancellationToken);
        }
    }
}

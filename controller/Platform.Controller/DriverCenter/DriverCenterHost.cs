using Grpc.Core;
using Microsoft.Extensions.Options;
using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Api;
using Platform.Controller.Hosts;
using Platform.Controller.Tasks;

namespace Platform.Controller.DriverCenter;

/// <summary>
/// The agent that keeps the driver disk (DriverCenter:HostId, or the only host), with the disk
/// built on first use: the seed's driver center exists from installation on, so the console never
/// sees "no disk yet".
/// </summary>
internal sealed partial class DriverCenterHost(HostStore hosts, AgentClients agents, IOptions<DriverCenterOptions> options, ILogger<DriverCenterHost> logger)
{
    /// <summary>The operation id of the one initialisation: repeating it (another request, a restart) is answered from the agent's journal.</summary>
    private const string InitializeOperation = "driver-center.initialize";

    public DriverCenterOptions Options => options.Value;

    /// <summary>The driver-center host's agent and the disk's state, the disk created if it did not exist.</summary>
    public async Task<ApiResult<(AgentClient Agent, DriverDiskState State)>> ReadyAsync(CancellationToken ct)
    {
        var agent = await AgentAsync(ct);
        if (agent.Error is { } noAgent)
        {
            return noAgent;
        }
        var client = agent.Value!;
        try
        {
            var state = await client.GetDriverDiskStateAsync(ct);
            if (state.Status != DriverDiskStatus.Unspecified)
            {
                return (client, state);
            }
            LogInitializing(client.Endpoint);
            state = await client.InitializeDriverDiskAsync(new InitializeDriverDiskRequest { OperationId = InitializeOperation }, options.Value.OperationTimeout, ct);
            return (client, state);
        }
        catch (AgentException e) when (DriverCenterErrors.ReasonOf(e) == DriverDiskErrorReason.AlreadyInitialized)
        {
            // Another request built it meanwhile.
            return (client, await client.GetDriverDiskStateAsync(ct));
        }
        catch (AgentException e)
        {
            return e.Status == StatusCode.Aborted ? DriverCenterErrors.Busy(e.Detail) : TaskFailures.From(e).ToApiError();
        }
    }

    /// <summary>The agent, when the disk can take edits now (normal, mounted, nothing running); else why not, in the seed's words.</summary>
    public async Task<ApiResult<AgentClient>> EditableAsync(CancellationToken ct)
    {
        var ready = await ReadyAsync(ct);
        if (ready.Error is { } unavailable)
        {
            return unavailable;
        }
        return DriverDiskUseCases.EditableProblem(ready.Value.State) is { } notEditable ? notEditable : ready.Value.Agent;
    }

    /// <summary>The driver-center host's agent, whatever the disk's state.</summary>
    public async Task<ApiResult<AgentClient>> AgentAsync(CancellationToken ct)
    {
        HostRecord? host;
        if (options.Value.HostId.Length > 0)
        {
            host = await hosts.GetAsync(options.Value.HostId, ct);
            if (host is null)
            {
                return new ApiError(ApiErrorCode.NoHostAvailable, $"the driver-center host {options.Value.HostId} (DriverCenter:HostId) has not registered");
            }
        }
        else
        {
            var all = await hosts.ListAsync(ct);
            if (all.Count != 1)
            {
                return new ApiError(ApiErrorCode.NoHostAvailable, all.Count == 0
                    ? "no host has registered, so there is no driver center yet"
                    : $"{all.Count} hosts are registered: set DriverCenter:HostId to the one that keeps the driver disk");
            }
            host = all[0];
        }
        if (host.Status != "up")
        {
            return new ApiError(ApiErrorCode.AgentUnavailable, $"the driver-center host {host.HostId} is down: its agent has not heartbeated recently");
        }
        return agents.For(host.HostId, host.GrpcEndpoint);
    }

    [LoggerMessage(EventId = 1901, Level = LogLevel.Information, Message = "voi_drive_img_manage: building the driver disk on {Endpoint} (first use)")]
    private partial void LogInitializing(string endpoint);
}

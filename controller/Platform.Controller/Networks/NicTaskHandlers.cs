using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Tasks;
using Platform.Controller.Volumes;
using Grpc.Core;

namespace Platform.Controller.Networks;

/// <summary>nic.attach: a bridge interface with the NIC's MAC, like virsh attach-interface --type bridge.</summary>
internal sealed partial class NicAttachHandler(NicStore nics, AgentClients agents, ILogger<NicAttachHandler> logger) : ITaskHandler
{
    public string Kind => NicTasks.Attach;

    public async Task RunAsync(TaskContext context, CancellationToken ct)
    {
        var p = context.Payload<NicTaskPayload>();
        var agent = await NicAgents.ForInstanceAsync(nics, agents, p.InstanceId, ct);
        try
        {
            await agent.AttachNicAsync(new AttachNicRequest
            {
                OperationId = context.OperationId("attach"),
                Domain = p.InstanceId,
                // An empty bridge is the agent's configured one; the agent reserves the address in
                // the bridge's DHCP service before the guest sees the NIC.
                Nic = new Nic { Mac = p.Mac, Bridge = p.Bridge, Ip = p.Ip ?? "" },
            }, ct);
        }
        catch (AgentException e)
        {
            // A lost answer with the NIC in place is success.
            if (!TaskFailures.IsAmbiguous(e) || await NicAgents.HasNicAsync(agent, p.InstanceId, p.Mac, ct) != true)
            {
                throw new TaskFailedException(TaskFailures.From(e));
            }
        }
        await nics.SetAttachmentAsync(p.NicId, NicStatus.Attached, p.InstanceId, null, ct);
        LogAttached(p.NicId, p.InstanceId, p.Mac);
    }

    /// <summary>Idle again only when the domain is known not to have the NIC; otherwise it is detached first, or left in error on the instance.</summary>
    public async Task FailAsync(TaskContext context, TaskFailure failure, CancellationToken ct)
    {
        var p = context.Payload<NicTaskPayload>();
        string? undoFailure = null;
        try
        {
            var agent = await NicAgents.ForInstanceAsync(nics, agents, p.InstanceId, CancellationToken.None);
            var present = await NicAgents.HasNicAsync(agent, p.InstanceId, p.Mac, CancellationToken.None);
            if (present is null)
            {
                undoFailure = "cannot tell whether the domain has the NIC";
            }
            else if (present == true)
            {
                await agent.DetachNicAsync(new DetachNicRequest { OperationId = context.OperationId("undo"), Domain = p.InstanceId, Mac = p.Mac }, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is AgentException or TaskFailedException)
        {
            undoFailure = e.Message;
        }
        LogAttachFailed(p.NicId, p.InstanceId, failure.Message, undoFailure);
        if (undoFailure is null)
        {
            await nics.SetAttachmentAsync(p.NicId, NicStatus.Idle, null, failure.Message, CancellationToken.None);
        }
        else
        {
            await nics.SetAttachmentAsync(p.NicId, NicStatus.Error, p.InstanceId, $"{failure.Message}; the NIC may still be attached: {undoFailure}", CancellationToken.None);
        }
    }

    [LoggerMessage(EventId = 1610, Level = LogLevel.Information, Message = "Network interface {NicId} attached to {InstanceId} ({Mac})")]
    private partial void LogAttached(string nicId, string instanceId, string mac);

    [LoggerMessage(EventId = 1611, Level = LogLevel.Warning, Message = "Attaching network interface {NicId} to {InstanceId} failed: {Reason} (undo failure: {UndoFailure})")]
    private partial void LogAttachFailed(string nicId, string instanceId, string reason, string? undoFailure);
}

/// <summary>
/// nic.detach: succeeds only once the agent confirms the NIC left the domain; a guest that keeps
/// it leaves the NIC attached with the reason.
/// </summary>
internal sealed partial class NicDetachHandler(NicStore nics, AgentClients agents, ILogger<NicDetachHandler> logger) : ITaskHandler
{
    public string Kind => NicTasks.Detach;

    public async Task RunAsync(TaskContext context, CancellationToken ct)
    {
        var p = context.Payload<NicTaskPayload>();
        var agent = await NicAgents.ForInstanceAsync(nics, agents, p.InstanceId, ct);
        try
        {
            await agent.DetachNicAsync(new DetachNicRequest { OperationId = context.OperationId("detach"), Domain = p.InstanceId, Mac = p.Mac }, ct);
        }
        catch (AgentException e) when (e.Status == StatusCode.NotFound)
        {
            // No such NIC (or domain): nothing is attached, which is what detach wants.
        }
        catch (AgentException e)
        {
            if (!TaskFailures.IsAmbiguous(e) || await NicAgents.HasNicAsync(agent, p.InstanceId, p.Mac, ct) != false)
            {
                throw new TaskFailedException(TaskFailures.From(e, detaching: true));
            }
        }
        await nics.SetAttachmentAsync(p.NicId, NicStatus.Idle, null, null, ct);
        LogDetached(p.NicId, p.InstanceId);
    }

    public async Task FailAsync(TaskContext context, TaskFailure failure, CancellationToken ct)
    {
        var p = context.Payload<NicTaskPayload>();
        LogDetachFailed(p.NicId, p.InstanceId, failure.Message);
        await nics.SetAttachmentAsync(p.NicId, NicStatus.Attached, p.InstanceId, failure.Message, CancellationToken.None);
    }

    [LoggerMessage(EventId = 1620, Level = LogLevel.Information, Message = "Network interface {NicId} detached from {InstanceId}")]
    private partial void LogDetached(string nicId, string instanceId);

    [LoggerMessage(EventId = 1621, Level = LogLevel.Warning, Message = "Detaching network interface {NicId} from {InstanceId} failed, it stays attached: {Reason}")]
    private partial void LogDetachFailed(string nicId, string instanceId, string reason);
}

internal static class NicAgents
{
    public static async Task<AgentClient> ForInstanceAsync(NicStore nics, AgentClients agents, string instanceId, CancellationToken ct) =>
        await nics.HostEndpointAsync(instanceId, ct) is { } host
            ? agents.For(host.HostId, host.GrpcEndpoint)
            : throw new TaskFailedException(TaskFailureKind.Refused, $"instance {instanceId} is not placed on a host");

    /// <summary>Whether the domain has a NIC with this MAC; null when the agent cannot say.</summary>
    public static async Task<bool?> HasNicAsync(AgentClient agent, string domain, string mac, CancellationToken ct)
    {
        try
        {
            var found = await agent.GetDomainAsync(domain, ct);
            return found.Nics.Any(n => string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase));
        }
        catch (AgentException e) when (e.Status == StatusCode.NotFound)
        {
            return false;
        }
        catch (AgentException)
        {
            return null;
        }
    }
}

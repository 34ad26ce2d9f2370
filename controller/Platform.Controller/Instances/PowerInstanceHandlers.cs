using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Tasks;
using Grpc.Core;

namespace Platform.Controller.Instances;

/// <summary>Turn on: start the defined domain.</summary>
internal sealed class StartInstanceHandler(InstanceStore instances, InstanceTaskStore store, AgentClients agents) : ITaskHandler
{
    public string Kind => InstanceOperations.StartKind;

    public async Task RunAsync(TaskContext context, CancellationToken ct)
    {
        var agent = await PowerSteps.AgentOfAsync(instances, agents, context, ct);
        await context.ReportAsync("starting the domain", 30, ct);
        await agent.StartDomainAsync(new StartDomainRequest { OperationId = context.OperationId("start"), Name = context.ResourceId }, ct);
        await store.SetStatusAsync(context.ResourceId, InstanceStatus.Running, null, ct);
    }

    public Task FailAsync(TaskContext context, TaskFailure failure, CancellationToken ct) =>
        store.SetStatusAsync(context.ResourceId, context.Payload<PowerPayload>().Previous, failure.Message, ct);
}

/// <summary>Turn off: the ACPI power button, waiting for the guest to shut down; or, forced, power off.</summary>
internal sealed class StopInstanceHandler(InstanceStore instances, InstanceTaskStore store, AgentClients agents) : ITaskHandler
{
    public string Kind => InstanceOperations.StopKind;

    public async Task RunAsync(TaskContext context, CancellationToken ct)
    {
        var payload = context.Payload<PowerPayload>();
        var agent = await PowerSteps.AgentOfAsync(instances, agents, context, ct);
        if (payload.Force)
        {
            await context.ReportAsync("powering off", 30, ct);
            await agent.PowerOffDomainAsync(new PowerOffDomainRequest { OperationId = context.OperationId("poweroff"), Name = context.ResourceId }, ct);
        }
        else
        {
            await context.ReportAsync("waiting for the guest to shut down (ACPI)", 30, ct);
            try
            {
                await agent.ShutdownDomainAsync(new ShutdownDomainRequest { OperationId = context.OperationId("shutdown"), Name = context.ResourceId }, ct);
            }
            catch (AgentException e) when (e.Status == StatusCode.DeadlineExceeded && !e.DeadlinePassedHere)
            {
                // The agent says the guest kept running past its wait: the instance is fine, the
                // request needs force. (Our own deadline passing means the agent never answered.)
                throw new TaskFailedException(TaskFailureKind.GuestIgnoredShutdown, $"{e.Detail}; turn it off with force=true to power it off");
            }
        }
        await store.SetStatusAsync(context.ResourceId, InstanceStatus.Stopped, null, ct);
    }

    /// <summary>A guest that ignored the power button is still running: say so, and how to force it.</summary>
    public Task FailAsync(TaskContext context, TaskFailure failure, CancellationToken ct) =>
        store.SetStatusAsync(context.ResourceId, context.Payload<PowerPayload>().Previous, failure.Message, ct);
}

internal static class PowerSteps
{
    public static async Task<AgentClient> AgentOfAsync(InstanceStore instances, AgentClients agents, TaskContext context, CancellationToken ct)
    {
        var instance = await instances.GetAsync(context.ResourceId, ct) ?? throw new TaskFailedException(TaskFailureKind.Refused, $"instance {context.ResourceId} vanished");
        return instance is { HostId: { } hostId, GrpcEndpoint: { } endpoint }
            ? agents.For(hostId, endpoint)
            : throw new TaskFailedException(TaskFailureKind.Refused, $"instance {context.ResourceId} is not placed on any host");
    }
}

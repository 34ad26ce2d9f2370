using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Tasks;
using Grpc.Core;

namespace Platform.Controller.Instances;

/// <summary>
/// Destroy: the domain is powered off and undefined, every volume it holds is removed from
/// Ceph, then the instance, its volumes and its NICs leave the inventory. A failure leaves the
/// instance in error with what is left, so destroying it again finishes the job.
/// </summary>
internal sealed partial class DestroyInstanceHandler(
    InstanceStore instances,
    InstanceTaskStore store,
    AgentClients agents,
    StorageAgents storage,
    ILogger<DestroyInstanceHandler> logger) : ITaskHandler
{
    public string Kind => InstanceOperations.DestroyKind;

    public async Task RunAsync(TaskContext context, CancellationToken ct)
    {
        var instanceId = context.ResourceId;
        var instance = await instances.GetAsync(instanceId, ct) ?? throw new TaskFailedException(TaskFailureKind.Refused, $"instance {instanceId} vanished");
        if (instance is { HostId: { } hostId, GrpcEndpoint: { } endpoint })
        {
            var agent = agents.For(hostId, endpoint);
            await context.ReportAsync("powering off the domain", 10, ct);
            await IgnoringMissing(() => agent.PowerOffDomainAsync(new PowerOffDomainRequest { OperationId = context.OperationId("poweroff"), Name = instanceId }, ct));
            await context.ReportAsync("undefining the domain", 30, ct);
            await agent.UndefineDomainAsync(new UndefineDomainRequest { OperationId = context.OperationId("undefine"), Name = instanceId }, ct);
        }

        var (volumes, _) = await instances.DevicesOfAsync([instanceId], ct);
        var held = volumes[instanceId].ToList();
        if (held.Count > 0)
        {
            // A failed create leaves no host; the volumes are still removed through any host.
            var rbd = instance is { HostId: { } h, GrpcEndpoint: { } e } ? agents.For(h, e) : (await storage.AnyAsync(ct)).Value
                ?? throw new TaskFailedException(TaskFailureKind.NoHostAvailable, StorageAgents.NoHostError.Message);
            for (var i = 0; i < held.Count; i++)
            {
                await context.ReportAsync($"removing volume {held[i].VolumeId}", 40 + (50 * i / held.Count), ct);
                await rbd.RemoveImageAsync(new RemoveImageRequest
                {
                    OperationId = context.OperationId("remove-" + held[i].VolumeId),
                    Pool = StorageAgents.VolumesPool,
                    Name = held[i].VolumeId,
                }, ct);
                await store.DeleteVolumeAsync(held[i].VolumeId, ct);
            }
        }
        await context.ReportAsync("removing the instance from the inventory", 95, ct);
        await store.DeleteDestroyedAsync(instanceId, ct);
        LogDestroyed(instanceId, held.Count);
    }

    public Task FailAsync(TaskContext context, TaskFailure failure, CancellationToken ct) =>
        store.SetStatusAsync(context.ResourceId, InstanceStatus.Error, $"destroy failed: {failure.Message}", ct);

    private static async Task IgnoringMissing<T>(Func<Task<T>> call)
    {
        try
        {
            await call();
        }
        catch (AgentException e) when (e.Status == StatusCode.NotFound)
        {
            // Never defined, or already gone: nothing to power off.
        }
    }

    [LoggerMessage(EventId = 1721, Level = LogLevel.Information, Message = "Instance {InstanceId} destroyed with its {Volumes} volume(s) and its network interfaces")]
    private partial void LogDestroyed(string instanceId, int volumes);
}

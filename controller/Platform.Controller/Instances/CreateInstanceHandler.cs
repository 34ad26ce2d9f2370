using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Tasks;
using Grpc.Core;

namespace Platform.Controller.Instances;

/// <summary>
/// The slow half of instance create: boot volume cloned from the image, data volumes created,
/// domain defined and started. Every agent call carries a per-step operation id, so a resumed
/// task repeats nothing. A failure undoes what this task made.
/// </summary>
internal sealed partial class CreateInstanceHandler(
    InstanceStore instances,
    InstanceTaskStore store,
    AgentClients agents,
    ILogger<CreateInstanceHandler> logger) : ITaskHandler
{
    private const long Gib = 1L << 30;

    public string Kind => InstanceCreation.TaskKind;

    public async Task RunAsync(TaskContext context, CancellationToken ct)
    {
        var payload = context.Payload<CreateInstancePayload>();
        var instance = await instances.GetAsync(context.ResourceId, ct) ?? throw new TaskFailedException(TaskFailureKind.Refused, $"instance {context.ResourceId} vanished");
        if (instance.HostId is null || instance.GrpcEndpoint is null)
        {
            throw new TaskFailedException(TaskFailureKind.NoHostAvailable, $"instance {instance.InstanceId} has no host");
        }
        var agent = agents.For(instance.HostId, instance.GrpcEndpoint);
        var (volumeLookup, nicLookup) = await instances.DevicesOfAsync([instance.InstanceId], ct);
        var volumes = volumeLookup[instance.InstanceId].ToList();
        var nics = nicLookup[instance.InstanceId].ToList();
        var boot = volumes.Single(v => v.VolumeId == payload.BootVolumeId);

        await context.ReportAsync("cloning the boot volume from the image", 10, ct);
        await agent.CloneImageAsync(new CloneImageRequest
        {
            OperationId = context.OperationId("clone-boot"),
            ParentPool = StorageAgents.ImagesPool,
            ParentName = instance.ImageId,
            Pool = StorageAgents.VolumesPool,
            Name = boot.VolumeId,
            SizeBytes = (ulong)(boot.VolumeSize * Gib),
        }, ct);

        var created = volumes.Where(v => payload.CreatedVolumeIds.Contains(v.VolumeId)).ToList();
        for (var i = 0; i < created.Count; i++)
        {
            await context.ReportAsync($"creating data volume {created[i].VolumeId}", 20 + (30 * i / created.Count), ct);
            await agent.CreateImageAsync(new CreateImageRequest
            {
                OperationId = context.OperationId("create-" + created[i].VolumeId),
                Pool = StorageAgents.VolumesPool,
                Name = created[i].VolumeId,
                SizeBytes = (ulong)(created[i].VolumeSize * Gib),
            }, ct);
        }

        await context.ReportAsync("defining and starting the domain", 60, ct);
        var define = new DefineAndStartDomainRequest
        {
            OperationId = context.OperationId("define-start"),
            Name = instance.InstanceId,
            Uuid = instance.Uuid.ToString(),
            Vcpus = (uint)instance.Cpu,
            MemoryMib = (ulong)instance.Memory,
            BootDisk = new RbdDisk { Image = $"{StorageAgents.VolumesPool}/{boot.VolumeId}", Target = "vda" },
        };
        define.DataDisks.AddRange(volumes.Where(v => !v.IsBoot).Select(v => new RbdDisk { Image = $"{StorageAgents.VolumesPool}/{v.VolumeId}", Target = v.Device! }));
        // The address goes with the MAC: the host's DHCP service hands it to the guest.
        define.Nics.AddRange(nics.Select(n => new Nic { Mac = n.Mac, Bridge = n.Bridge, Ip = n.Ip }));
        var started = await agent.DefineAndStartDomainAsync(define, ct);
        if (started.State != DomainState.Running)
        {
            // A domain that paused or crashed at once (an emulation failure, a broken image) is not a created instance.
            throw new TaskFailedException(TaskFailureKind.Refused,
                $"the domain is {(started.StateReason.Length > 0 ? started.StateReason : started.State.ToString())} right after it started, not running");
        }

        await context.ReportAsync("recording the running instance", 95, ct);
        await store.MarkCreatedAsync(instance.InstanceId, ct);
    }

    public async Task FailAsync(TaskContext context, TaskFailure failure, CancellationToken ct)
    {
        var payload = context.Payload<CreateInstancePayload>();
        var instance = await instances.GetAsync(context.ResourceId, ct);
        if (instance is null)
        {
            return;
        }
        var leftovers = new List<string>();
        var problems = new List<string>();
        if (instance is { HostId: { } hostId, GrpcEndpoint: { } endpoint })
        {
            var agent = agents.For(hostId, endpoint);
            await context.ReportAsync("undoing: removing the domain", 90, ct);
            await TryAsync(problems, "power off", () => agent.PowerOffDomainAsync(new PowerOffDomainRequest { OperationId = context.OperationId("undo-poweroff"), Name = instance.InstanceId }, ct));
            await TryAsync(problems, "undefine", () => agent.UndefineDomainAsync(new UndefineDomainRequest { OperationId = context.OperationId("undo-undefine"), Name = instance.InstanceId }, ct));
            await context.ReportAsync("undoing: removing the volumes this task made", 95, ct);
            foreach (var volumeId in payload.CreatedVolumeIds.Prepend(payload.BootVolumeId))
            {
                var removed = await TryAsync(problems, $"remove {volumeId}", () => agent.RemoveImageAsync(new RemoveImageRequest
                {
                    OperationId = context.OperationId("undo-remove-" + volumeId),
                    Pool = StorageAgents.VolumesPool,
                    Name = volumeId,
                }, ct));
                if (!removed)
                {
                    leftovers.Add(volumeId);
                }
            }
        }
        var recorded = problems.Count == 0 ? failure.Message : $"{failure.Message} (clean-up incomplete: {string.Join("; ", problems)})";
        await store.MarkCreateFailedAsync(instance.InstanceId, payload, leftovers, recorded, ct);
        LogUndone(instance.InstanceId, problems.Count);
    }

    /// <summary>Runs one undo step; a domain that is already gone counts as done.</summary>
    private static async Task<bool> TryAsync<T>(List<string> problems, string what, Func<Task<T>> step)
    {
        try
        {
            await step();
            return true;
        }
        catch (AgentException e) when (e.Status == StatusCode.NotFound)
        {
            return true;
        }
        catch (AgentException e)
        {
            problems.Add($"{what}: {e.Status}: {e.Detail}");
            return false;
        }
    }

    [LoggerMessage(EventId = 1711, Level = LogLevel.Information, Message = "Failed creation of {InstanceId} undone ({Problems} clean-up problems)")]
    private partial void LogUndone(string instanceId, int problems);
}

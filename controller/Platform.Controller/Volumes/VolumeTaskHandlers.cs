using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Tasks;

namespace Platform.Controller.Volumes;

/// <summary>volume.create: the RBD image in pool volumes, empty or cloned from an image.</summary>
internal sealed partial class VolumeCreateHandler(VolumeStore volumes, StorageAgents storage, ILogger<VolumeCreateHandler> logger) : ITaskHandler
{
    public string Kind => VolumeTasks.Create;

    public async Task RunAsync(TaskContext context, CancellationToken ct)
    {
        var volume = await volumes.GetAsync(context.ResourceId, ct) ?? throw new TaskFailedException(TaskFailureKind.Refused, $"volume {context.ResourceId} no longer exists");
        if (volume.Status == VolumeStatus.Available)
        {
            return; // Resumed after the work was recorded.
        }
        var agent = await storage.AnyAsync(ct);
        if (agent.Error is { } noHost)
        {
            throw new TaskFailedException(TaskFailureKind.NoHostAvailable, noHost.Message);
        }
        await context.ReportAsync(volume.ImageId is null ? "create" : "clone", 10, ct);
        var sizeBytes = (ulong)volume.VolumeSize << 30;
        try
        {
            // The operation ids are stable across resumptions: the agent answers a repeat without redoing it.
            if (volume.ImageId is { } imageId)
            {
                await agent.Value!.CloneImageAsync(new CloneImageRequest
                {
                    OperationId = context.OperationId("clone"),
                    ParentPool = StorageAgents.ImagesPool,
                    ParentName = imageId,
                    Pool = StorageAgents.VolumesPool,
                    Name = volume.VolumeId,
                    SizeBytes = sizeBytes,
                }, ct);
            }
            else
            {
                await agent.Value!.CreateImageAsync(new CreateImageRequest
                {
                    OperationId = context.OperationId("create"),
                    Pool = StorageAgents.VolumesPool,
                    Name = volume.VolumeId,
                    SizeBytes = sizeBytes,
                }, ct);
            }
        }
        catch (AgentException e)
        {
            throw new TaskFailedException(TaskFailures.From(e));
        }
        await volumes.SetStatusAsync(volume.VolumeId, VolumeStatus.Available, null, ct);
    }

    /// <summary>
    /// Leaves the row in error with the reason and does not remove a partial RBD image here: after
    /// a timeout the agent may still be making it. Deleting the volume removes whatever exists.
    /// </summary>
    public async Task FailAsync(TaskContext context, TaskFailure failure, CancellationToken ct)
    {
        LogCreateFailed(context.ResourceId, failure.Message);
        await volumes.SetStatusAsync(context.ResourceId, VolumeStatus.Error, failure.Message, CancellationToken.None);
    }

    [LoggerMessage(EventId = 1510, Level = LogLevel.Warning, Message = "Creating volume {VolumeId} failed: {Reason}")]
    private partial void LogCreateFailed(string volumeId, string reason);
}

/// <summary>volume.delete: the RBD image (a missing one counts as removed), then the row.</summary>
internal sealed partial class VolumeDeleteHandler(VolumeStore volumes, StorageAgents storage, ILogger<VolumeDeleteHandler> logger) : ITaskHandler
{
    public string Kind => VolumeTasks.Delete;

    public async Task RunAsync(TaskContext context, CancellationToken ct)
    {
        var agent = await storage.AnyAsync(ct);
        if (agent.Error is { } noHost)
        {
            throw new TaskFailedException(TaskFailureKind.NoHostAvailable, noHost.Message);
        }
        try
        {
            await agent.Value!.RemoveImageAsync(new RemoveImageRequest
            {
                OperationId = context.OperationId("remove"),
                Pool = StorageAgents.VolumesPool,
                Name = context.ResourceId,
            }, ct);
        }
        catch (AgentException e)
        {
            throw new TaskFailedException(TaskFailures.From(e));
        }
        await volumes.DeleteAsync(context.ResourceId, ct);
    }

    /// <summary>
    /// A delete that never reached the image (no host to ask, or the agent refused: in use, has
    /// snapshots) leaves the volume as it was: back to the status the delete started from, with
    /// the reason. Any other failure may have removed part of it: error, and deleting again
    /// finishes the removal.
    /// </summary>
    public async Task FailAsync(TaskContext context, TaskFailure failure, CancellationToken ct)
    {
        LogDeleteFailed(context.ResourceId, failure.Message);
        var unchanged = failure.Kind is TaskFailureKind.NoHostAvailable or TaskFailureKind.Refused;
        var status = unchanged ? context.Payload<VolumeTaskPayload>().Previous ?? VolumeStatus.Error : VolumeStatus.Error;
        await volumes.SetStatusAsync(context.ResourceId, status, failure.Message, CancellationToken.None);
    }

    [LoggerMessage(EventId = 1520, Level = LogLevel.Warning, Message = "Deleting volume {VolumeId} failed: {Reason}")]
    private partial void LogDeleteFailed(string volumeId, string reason);
}

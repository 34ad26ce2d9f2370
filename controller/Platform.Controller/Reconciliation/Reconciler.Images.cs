using Platform.Controller.Agents;
using Platform.Controller.Audit;

namespace Platform.Controller.Reconciliation;

/// <summary>
/// Image creations whose request died with its controller: the record was made as creating
/// before the agent was asked, and nothing else would ever finish it. Once longer ago than any
/// agent call may take, the pool decides: the RBD image is there (the agent made it) — available;
/// it is not — error, with the reason. Both are audited as the creation's end.
/// </summary>
internal sealed partial class Reconciler
{
    public const string CreationFinished = "creation_finished";

    private async Task FinishAbandonedImagesAsync(AgentClient agent, HashSet<string> pool, List<Drift> seen, CancellationToken ct)
    {
        foreach (var imageId in await store.AbandonedImageCreationsAsync(options.Value.MutationTimeout * 2, ct))
        {
            // Listed but without a header is an import cut off inside rbd_create: not made.
            var made = pool.Contains(imageId) && !await IsIncompleteAsync(agent, StorageAgents.ImagesPool, imageId, ct);
            var reason = made ? null : "its creation was interrupted (the controller stopped) before the RBD image was made; delete it and create it again";
            if (await store.FinishImageCreationAsync(imageId, reason, new AuditEvent(AuditActions.ImageCreate, imageId, ReconciliationCaller), ct))
            {
                seen.Add(new Drift(CreationFinished, imageId, null,
                    $"image {imageId} was still creating long after its request{(made ? "; its RBD image exists" : "; it has no RBD image")}",
                    made ? "image marked available" : "image marked error"));
                LogCreationFinished(imageId, made);
            }
        }
    }

    /// <summary>Who finishes what a dead request left: no address, a request id that says so.</summary>
    private static readonly Caller ReconciliationCaller = new(null, "reconciliation", null);

    [LoggerMessage(EventId = 1806, Level = LogLevel.Warning, Message = "Image {ImageId} was left creating by a request that died; finished by reconciliation (RBD image made: {Made})")]
    private partial void LogCreationFinished(string imageId, bool made);
}

using Grpc.Core;
using Platform.Controller.Agents;

namespace Platform.Controller.Reconciliation;

/// <summary>
/// RBD images that are only the remains of a create cut off inside rbd_create (the agent killed):
/// the pool lists the name, but there is no header, so the image does not open. Recognised as
/// such rather than taken for images; the agent removes them when the volume is deleted and
/// replaces them when the create is retried.
/// </summary>
internal sealed partial class Reconciler
{
    /// <summary>
    /// Volumes in error whose RBD image is only the remains of an interrupted create (listed, no
    /// header): recorded as such, since the way out differs — deleting the volume removes them.
    /// </summary>
    private static async Task RecordIncompleteVolumesAsync(AgentClient agent, IEnumerable<string> volumeIds, List<Drift> seen, CancellationToken ct)
    {
        foreach (var volumeId in volumeIds)
        {
            if (await IsIncompleteAsync(agent, StorageAgents.VolumesPool, volumeId, ct))
            {
                seen.Add(new Drift(RbdVolumeIncomplete, volumeId, null,
                    $"RBD image {StorageAgents.VolumesPool}/{volumeId} is only the remains of an interrupted create (listed, no header)", "recorded; deleting the volume removes them"));
            }
        }
    }

    /// <summary>A listed name whose image does not open: what a create cut off before its header was written leaves.</summary>
    private static async Task<bool> IsIncompleteAsync(AgentClient agent, string pool, string name, CancellationToken ct)
    {
        try
        {
            await agent.GetImageAsync(pool, name, ct);
            return false;
        }
        catch (AgentException e) when (e.Status == StatusCode.NotFound)
        {
            return true;
        }
    }
}

using Platform.Controller.Api;

namespace Platform.Controller.Volumes;

/// <summary>A device row and its instance's row, locked while a use case decides whether a hot-plug task may start.</summary>
internal interface IHotPlugChange : IAsyncDisposable
{
    /// <summary>Null when the instance asked for does not exist.</summary>
    AttachTarget? Instance { get; }
}

/// <summary>
/// The first half every hot-plug (volume mount/unmount, NIC attach/detach) shares: lock the device
/// and the instance, check them, and start the task in the same commit as the device's new
/// state, so a refusal changes nothing. The use case then runs the task and waits for it.
/// </summary>
internal static class HotPlug
{
    /// <param name="change">The locked rows; null when the device does not exist.</param>
    /// <param name="notFound">The answer when the device does not exist.</param>
    /// <param name="start">
    /// Checks the locked rows and starts the task: its id, null when another task holds the
    /// device or the instance, or the refusal.
    /// </param>
    /// <returns>The started task's id, or why none started.</returns>
    public static async Task<ApiResult<string>> StartAsync<TChange>(
        TChange? change, string deviceId, ApiError notFound, string instanceId, Func<TChange, AttachTarget, Task<ApiResult<string?>>> start)
        where TChange : class, IHotPlugChange
    {
        await using (change)
        {
            if (change is null)
            {
                return notFound;
            }
            if (change.Instance is not { } instance)
            {
                return ApiError.NotFound(ApiErrorCode.InstanceNotFound, "instance", instanceId);
            }
            var started = await start(change, instance);
            if (started.Error is { } refused)
            {
                return refused;
            }
            return started.Value is { } taskId ? taskId : ApiError.Busy($"{deviceId} or {instanceId}");
        }
    }
}

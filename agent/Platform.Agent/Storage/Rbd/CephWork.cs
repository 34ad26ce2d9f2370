namespace Platform.Agent.Storage.Rbd;

/// <summary>
/// Runs blocking librados/librbd calls off the caller's thread. Each call gets a thread of its own
/// (<see cref="TaskCreationOptions.LongRunning"/>): a connect waits up to its timeout and a flatten
/// or copy can take minutes, which must not starve the thread pool that serves requests.
/// </summary>
/// <remarks>
/// A native call cannot be interrupted. Cancellation is honoured before the call starts, through
/// progress callbacks where librbd listens to them, and — for calls without side effects only —
/// by no longer waiting (<see cref="RunDetachedAsync{T}"/>). Per operation:
/// <list type="bullet">
/// <item>connect: bounded by client_mount_timeout; a cancelled caller stops waiting and the connection is shut down when it arrives;</item>
/// <item>open, list, info, snapshots/children/watchers lists: the caller stops waiting, the result is discarded;</item>
/// <item>flatten: stops after the objects in flight (its progress callback returns −ECANCELED), leaving a valid, partly copied-up clone;</item>
/// <item>create, clone, snapshot create/protect/unprotect/remove, resize, remove, copy: only before they start. A copy ignores
/// its progress callback's answer; a remove or shrink stopped half-way (the progress variants allow it) would leave a
/// damaged image, so they always run to the end. Each object operation is bounded by rados_osd_op_timeout.</item>
/// </list>
/// </remarks>
internal static class CephWork
{
    private const TaskCreationOptions Options = TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach;

    public static Task<T> RunAsync<T>(Func<T> call, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(call, cancellationToken, Options, TaskScheduler.Default);

    public static Task RunAsync(Action call, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(call, cancellationToken, Options, TaskScheduler.Default);

    /// <summary>
    /// For calls that change nothing (connect, open, list, stat): on cancellation the caller gets
    /// <see cref="OperationCanceledException"/> at once, the call finishes in the background and
    /// <paramref name="discard"/> releases what it produced.
    /// </summary>
    public static async Task<T> RunDetachedAsync<T>(Func<T> call, Action<T>? discard, CancellationToken cancellationToken)
    {
        var work = RunAsync(call, cancellationToken);
        try
        {
            return await work.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The call may still be running, or have finished just as the token fired: either way its
            // result is nobody's now. (A call cancelled before it started completes as cancelled.)
            _ = work.ContinueWith(
                static (finished, state) =>
                {
                    if (finished.IsCompletedSuccessfully)
                    {
                        ((Action<T>?)state)?.Invoke(finished.Result);
                    }
                    // A failure nobody waits for any more: observed here so it is not reported as unobserved.
                    _ = finished.Exception;
                },
                discard,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
    }
}

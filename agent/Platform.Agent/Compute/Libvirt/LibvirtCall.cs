namespace Platform.Agent.Compute.Libvirt;

/// <summary>
/// Runs blocking libvirt calls off the caller's thread, each on a thread of its own rather than
/// a thread-pool thread: a call may block for seconds (the qemu driver waits up to 5 s inside a
/// device detach; a hung daemon blocks until keepalive gives up), and a few such calls would
/// otherwise starve the pool that serves requests, timers and cancellation.
/// libvirt has no way to interrupt a call in flight: cancellation stops the caller waiting,
/// while the call itself runs to completion in the background and its effect (a started
/// domain, a detached device) still happens. A handle such an abandoned call returns is
/// disposed when it arrives.
/// </summary>
internal static class LibvirtCall
{
    public static Task RunAsync(Action call, CancellationToken cancellationToken) =>
        RunAsync(() =>
        {
            call();
            return true;
        }, cancellationToken);

    public static Task<T> RunAsync<T>(Func<T> call, CancellationToken cancellationToken)
    {
        // The error a failed call leaves is thread-local: the call and the translation of its
        // error into an exception (in Interop) happen inside this one delegate, on one thread.
        var task = Task.Factory.StartNew(call, cancellationToken,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
        return cancellationToken.CanBeCanceled ? AbandonOnCancellationAsync(task, cancellationToken) : task;
    }

    private static async Task<T> AbandonOnCancellationAsync<T>(Task<T> task, CancellationToken cancellationToken)
    {
        try
        {
            return await task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !task.IsCompleted)
        {
            _ = task.ContinueWith(static abandoned =>
            {
                if (abandoned.IsCompletedSuccessfully)
                {
                    switch (abandoned.Result)
                    {
                        case IDisposable handle:
                            handle.Dispose();
                            break;
                        case IEnumerable<IDisposable> handles:
                            foreach (var handle in handles)
                            {
                                handle.Dispose();
                            }
                            break;
                    }
                }
                else
                {
                    // Observed, so an abandoned call's failure is not an unobserved task exception.
                    _ = abandoned.Exception;
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }
}

using Platform.Agent.DriverDisk;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>
/// Acts at the engine's steps: aborts there (the agent "dies": nothing is cleaned up), fails
/// there (an exception, as a tool failing), or holds there until released (to run other
/// commands meanwhile). Records the steps seen.
/// </summary>
internal sealed class StepHook : IDriverDiskStepHook
{
    private readonly Dictionary<DriverDiskStep, (TaskCompletionSource Reached, TaskCompletionSource Release)> _holds = [];
    private readonly List<DriverDiskStep> _seen = [];

    public DriverDiskStep? AbortAt { get; set; }

    public DriverDiskStep? FailAt { get; set; }

    public IReadOnlyList<DriverDiskStep> Seen
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    /// <summary>The next time <paramref name="step"/> comes, it waits until the returned release is completed; the first task completes when it is reached.</summary>
    public (Task Reached, TaskCompletionSource Release) HoldAt(DriverDiskStep step)
    {
        var hold = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_holds)
        {
            _holds[step] = hold;
        }
        return (hold.Item1.Task, hold.Item2);
    }

    public async ValueTask BeforeStepAsync(DriverDiskStep step, CancellationToken cancellationToken)
    {
        lock (_seen)
        {
            _seen.Add(step);
        }
        if (step == AbortAt)
        {
            AbortAt = null;
            throw new DriverDiskAbortedException($"aborted at {step}");
        }
        if (step == FailAt)
        {
            FailAt = null;
            throw new IOException($"injected failure at {step}");
        }
        (TaskCompletionSource Reached, TaskCompletionSource Release) hold;
        lock (_holds)
        {
            if (!_holds.Remove(step, out hold))
            {
                return;
            }
        }
        hold.Reached.SetResult();
        await hold.Release.Task.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
    }
}

/// <summary>Wall-clock time shifted by what a test adds (timers stay real).</summary>
internal sealed class ShiftedTime : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// What a test made on the real services, undone in reverse order after it. Every step runs
/// even when an earlier one fails; the failures are reported together.
/// </summary>
internal sealed class CleanupSteps
{
    private readonly Stack<Func<Task>> _steps = new();

    public void Push(Func<Task> step) => _steps.Push(step);

    public async Task RunAllAsync()
    {
        var failures = new List<Exception>();
        while (_steps.TryPop(out var step))
        {
            try
            {
                await step();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        if (failures.Count > 0)
        {
            throw new AggregateException("clean-up failed", failures);
        }
    }
}

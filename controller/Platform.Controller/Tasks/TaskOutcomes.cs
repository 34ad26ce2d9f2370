using Platform.Common.Observability;

namespace Platform.Controller.Tasks;

/// <summary>How a task attempt on this replica ended, as the task metrics label it.</summary>
internal static class TaskOutcomes
{
    public const string Succeeded = TaskStates.Succeeded;
    public const string Failed = TaskStates.Failed;

    /// <summary>Shutdown, a lost lease or a database outage: the task is not over, another attempt resumes it.</summary>
    public const string Interrupted = "interrupted";

    public static void Record(string kind, string outcome, TimeSpan duration)
    {
        KeyValuePair<string, object?>[] labels = [new(PlatformMetrics.Labels.Kind, kind), new(PlatformMetrics.Labels.Outcome, outcome)];
        PlatformMetrics.TasksFinished.Add(1, labels);
        PlatformMetrics.TaskDuration.Record(duration.TotalSeconds, labels);
    }
}

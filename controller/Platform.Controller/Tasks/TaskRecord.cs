namespace Platform.Controller.Tasks;

internal sealed record TaskRecord(
    string TaskId,
    string Kind,
    string ResourceId,
    string State,
    string Step,
    int Percent,
    string? Error,
    string Payload,
    int Attempts,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? FinishedAt)
{
    public bool IsFinished => State is TaskStates.Succeeded or TaskStates.Failed;
}

internal static class TaskStates
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

/// <summary>A new task: what it does, to which resource, and every resource it must hold alone.</summary>
internal sealed record NewTask(string Kind, string ResourceId, IReadOnlyList<string> Locks, object Payload);

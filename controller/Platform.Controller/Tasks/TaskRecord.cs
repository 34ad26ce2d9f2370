using Platform.Controller.Audit;

namespace Platform.Controller.Tasks;

internal sealed record TaskRecord(
    string TaskId,
    string Kind,
    string ResourceId,
    string State,
    string Step,
    int Percent,
    string? Error,
    string? ErrorCode,
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

/// <summary>
/// A new task: what it does, to which resource, every resource it must hold alone, and the
/// request it carries out (audited as accepted when the task is created, and again when it ends).
/// </summary>
internal sealed record NewTask(string Kind, string ResourceId, IReadOnlyList<string> Locks, object Payload, AuditEvent Audit);

using Platform.Controller.Agents;
using Platform.Controller.Api;
using Platform.Controller.Tasks;
using Platform.Grpc;

namespace Platform.Controller.Volumes;

/// <summary>
/// A task's failure is stored as text (tasks.error, and the resource's error column); these
/// prefixes carry its kind so that the request waiting for the task answers the right code
/// (409 still attached, 504 timeout, 503 unreachable) and the user reads a plain sentence.
/// Shared by the volume and NIC tasks.
/// </summary>
internal static class TaskFailures
{
    public const string StillAttached = "device still attached: ";
    public const string TimedOut = "agent timed out: ";
    public const string Unreachable = "agent unreachable: ";
    public const string NoHost = "no host available: ";
    public const string Refused = "refused by the agent: ";

    /// <param name="detaching">FAILED_PRECONDITION on a detach means the guest kept the device.</param>
    public static TaskFailedException From(AgentException e, bool detaching = false) => new(e.Status switch
    {
        StatusCode.FailedPrecondition when detaching => StillAttached + e.Detail,
        StatusCode.DeadlineExceeded => TimedOut + e.Detail,
        StatusCode.Unavailable => Unreachable + e.Detail,
        StatusCode.FailedPrecondition or StatusCode.AlreadyExists or StatusCode.Aborted or StatusCode.NotFound => Refused + e.Detail,
        _ => e.Message,
    });

    /// <summary>The outcome of a call whose result is unknown: the device may or may not have changed.</summary>
    public static bool IsAmbiguous(AgentException e) =>
        e.Status is StatusCode.DeadlineExceeded or StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.Unknown or StatusCode.Internal;

    public static ApiError ToApiError(string reason) => new(reason switch
    {
        _ when reason.StartsWith(StillAttached, StringComparison.Ordinal) => ApiErrorCode.DeviceStillAttached,
        _ when reason.StartsWith(TimedOut, StringComparison.Ordinal) => ApiErrorCode.AgentTimeout,
        _ when reason.StartsWith(Unreachable, StringComparison.Ordinal) => ApiErrorCode.AgentUnavailable,
        _ when reason.StartsWith(NoHost, StringComparison.Ordinal) => ApiErrorCode.NoHostAvailable,
        _ when reason.StartsWith(Refused, StringComparison.Ordinal) => ApiErrorCode.InvalidState,
        _ => ApiErrorCode.AgentFailed,
    }, reason);

    /// <summary>
    /// Starts the task just committed and waits up to <paramref name="wait"/>: an error when it
    /// failed, otherwise null (succeeded, or still running: the caller answers with the task id).
    /// </summary>
    public static async Task<ApiError?> RunAndWaitAsync(TaskRunner runner, string taskId, TimeSpan wait, CancellationToken ct)
    {
        await runner.StartAsync(taskId, ct);
        var task = await runner.WaitAsync(taskId, wait, ct);
        return task is { State: TaskStates.Failed } failed ? ToApiError(failed.Error ?? "the task failed") : null;
    }
}

using Platform.Controller.Agents;
using Platform.Controller.Api;
using Grpc.Core;

namespace Platform.Controller.Tasks;

/// <summary>How agent answers become task failures, and how a request waits for its task's outcome.</summary>
internal static class TaskFailures
{
    /// <param name="detaching">FAILED_PRECONDITION on a detach means the guest kept the device.</param>
    public static TaskFailure From(AgentException e, bool detaching = false) => e.Status switch
    {
        StatusCode.FailedPrecondition when detaching => new(TaskFailureKind.DeviceStillAttached, e.Detail),
        StatusCode.DeadlineExceeded => new(TaskFailureKind.AgentTimeout, $"the host's agent did not finish in time: {e.Detail}"),
        StatusCode.Unavailable => new(TaskFailureKind.AgentUnavailable, $"the host's agent is unreachable: {e.Detail}"),
        StatusCode.FailedPrecondition or StatusCode.AlreadyExists or StatusCode.Aborted or StatusCode.NotFound => new(TaskFailureKind.Refused, e.Detail),
        _ => new(TaskFailureKind.AgentFailed, e.Message),
    };

    /// <summary>The outcome of a call whose result is unknown: the device may or may not have changed.</summary>
    public static bool IsAmbiguous(AgentException e) =>
        e.Status is StatusCode.DeadlineExceeded or StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.Unknown or StatusCode.Internal;

    /// <summary>The failure a finished task recorded; null when it did not fail.</summary>
    public static TaskFailure? Of(TaskRecord task) =>
        task.State == TaskStates.Failed
            ? new TaskFailure(TaskFailureKinds.Parse(task.ErrorCode) ?? TaskFailureKind.Internal, task.Error ?? "the task failed")
            : null;

    /// <summary>
    /// Starts the task just committed and waits up to <paramref name="wait"/>: an error when it
    /// failed, otherwise null (succeeded, or still running: the caller answers with the task id).
    /// </summary>
    public static async Task<ApiError?> RunAndWaitAsync(TaskRunner runner, string taskId, TimeSpan wait, CancellationToken ct)
    {
        await runner.StartAsync(taskId, ct);
        var task = await runner.WaitAsync(taskId, wait, ct);
        return task is null ? null : Of(task)?.ToApiError();
    }
}

using Platform.Controller.Agents;
using Platform.Controller.Api;
using Grpc.Core;
using Platform.Contracts.Agent.V1;

namespace Platform.Controller.Tasks;

/// <summary>
/// How agent answers become failures — the one table for tasks and for requests that call an
/// agent themselves, so a status answers the same code on both paths — and how a request waits
/// for its task's outcome.
/// </summary>
internal static class TaskFailures
{
    /// <summary>
    /// The kind of failure of each agent status; any other status is <see cref="TaskFailureKind.AgentFailed"/>.
    /// NOT_FOUND is a refusal: the inventory names something the host does not have (reconciliation
    /// will record it), not a fault of the agent.
    /// </summary>
    private static readonly Dictionary<StatusCode, TaskFailureKind> ByStatus = new()
    {
        [StatusCode.DeadlineExceeded] = TaskFailureKind.AgentTimeout,
        [StatusCode.Unavailable] = TaskFailureKind.AgentUnavailable,
        [StatusCode.FailedPrecondition] = TaskFailureKind.Refused,
        [StatusCode.AlreadyExists] = TaskFailureKind.Refused,
        [StatusCode.Aborted] = TaskFailureKind.Refused,
        [StatusCode.NotFound] = TaskFailureKind.Refused,
    };

    /// <summary>The kind an agent status maps to (the REST code is that kind's, see <see cref="TaskFailureKinds"/>).</summary>
    public static TaskFailureKind KindOf(StatusCode status) => ByStatus.GetValueOrDefault(status, TaskFailureKind.AgentFailed);

    /// <param name="detaching">
    /// FAILED_PRECONDITION on a detach means the guest kept the device — unless the agent says the
    /// domain is paused or crashed (DOMAIN_NOT_RUNNING): then nothing was asked of the guest, a refusal.
    /// </param>
    public static TaskFailure From(AgentException e, bool detaching = false)
    {
        var notRunning = e.Reason == nameof(DomainErrorReason.DomainNotRunning);
        var kind = detaching && e.Status == StatusCode.FailedPrecondition && !notRunning ? TaskFailureKind.DeviceStillAttached : KindOf(e.Status);
        return new TaskFailure(kind, kind switch
        {
            TaskFailureKind.AgentTimeout => $"the host's agent did not finish in time: {e.Detail}",
            TaskFailureKind.AgentUnavailable => $"the host's agent is unreachable: {e.Detail}",
            TaskFailureKind.AgentFailed => e.Message,
            _ => e.Detail,
        });
    }

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

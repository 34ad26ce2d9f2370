using Platform.Controller.Api;
using Grpc.Core;

namespace Platform.Controller.Agents;

/// <summary>An agent call that did not succeed: the gRPC status the agent (or the transport) answered.</summary>
internal sealed class AgentException(string endpoint, string method, StatusCode status, string detail, bool deadlinePassedHere = false)
    : Exception($"{method} on {endpoint}: {status}: {detail}")
{
    public StatusCode Status { get; } = status;

    /// <summary>
    /// DEADLINE_EXCEEDED because the controller's own deadline ran out: the agent never answered.
    /// Agents answer their own DEADLINE_EXCEEDED before that (they keep a margin).
    /// </summary>
    public bool DeadlinePassedHere { get; } = deadlinePassedHere;

    public string Detail { get; } = detail;

    /// <summary>How the REST facade reports it: unreachable → 503, timeout → 504, refusal → 409, else 502.</summary>
    public ApiError ToApiError() => Status switch
    {
        StatusCode.Unavailable => new ApiError(ApiErrorCode.AgentUnavailable, $"the host's agent is unreachable: {Detail}"),
        StatusCode.DeadlineExceeded => new ApiError(ApiErrorCode.AgentTimeout, $"the host's agent did not finish in time: {Detail}"),
        StatusCode.FailedPrecondition or StatusCode.AlreadyExists or StatusCode.Aborted => new ApiError(ApiErrorCode.InvalidState, Detail),
        _ => new ApiError(ApiErrorCode.AgentFailed, $"the host's agent answered {Status}: {Detail}"),
    };
}

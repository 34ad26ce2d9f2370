using Grpc.Core;

namespace Platform.Controller.Agents;

/// <summary>
/// An agent call that did not succeed: the gRPC status the agent (or the transport) answered.
/// TaskFailures.From maps it to a failure kind and REST code, for tasks and requests alike.
/// </summary>
internal sealed class AgentException(
    string endpoint, string method, StatusCode status, string detail, bool deadlinePassedHere = false, string? reason = null, IReadOnlyList<(string Field, string Description)>? violations = null)
    : Exception($"{method} on {endpoint}: {status}: {detail}")
{
    /// <summary>The agent method called (its gRPC name).</summary>
    public string Method { get; } = method;

    public StatusCode Status { get; } = status;

    /// <summary>
    /// DEADLINE_EXCEEDED because the controller's own deadline ran out: the agent never answered.
    /// Agents answer their own DEADLINE_EXCEEDED before that (they keep a margin).
    /// </summary>
    public bool DeadlinePassedHere { get; } = deadlinePassedHere;

    public string Detail { get; } = detail;

    /// <summary>The google.rpc.ErrorInfo reason the agent attached (e.g. a DriverDiskErrorReason name), if any.</summary>
    public string? Reason { get; } = reason;

    /// <summary>The fields or entries the agent named as wrong (google.rpc.BadRequest).</summary>
    public IReadOnlyList<(string Field, string Description)> Violations { get; } = violations ?? [];
}

using Platform.Controller.Api;

namespace Platform.Controller.Tasks;

/// <summary>Why a task failed, as far as the caller must act on it; stored in tasks.error_code.</summary>
internal enum TaskFailureKind
{
    /// <summary>The agent or the inventory refused the step in the resource's current state.</summary>
    Refused,

    /// <summary>The guest did not release a hot-plugged device: it is still attached.</summary>
    DeviceStillAttached,

    /// <summary>The guest did not shut down on the ACPI power button: it still runs.</summary>
    GuestIgnoredShutdown,
    AgentTimeout,
    AgentUnavailable,
    NoHostAvailable,

    /// <summary>The agent answered with an error that names no state to fix.</summary>
    AgentFailed,

    /// <summary>The task was interrupted (its owner died) more often than Tasks:MaxAttempts allows.</summary>
    GaveUp,

    /// <summary>A bug in the controller, or a task no handler runs.</summary>
    Internal,

    /// <summary>The host has not enough free space for the step (the driver disk's save).</summary>
    NoSpace,

    /// <summary>Another command holds the resource on the host (the driver disk); try again later.</summary>
    Busy,
}

/// <summary>An expected failure of a task: its kind and the sentence the user reads.</summary>
internal sealed record TaskFailure(TaskFailureKind Kind, string Message)
{
    public ApiError ToApiError() => new(Kind.ToApiErrorCode(), Message);
}

/// <summary>
/// The one place a failure kind is named in the inventory and mapped to the code the REST
/// facade answers. Stored names are never renamed: old rows keep them.
/// </summary>
internal static class TaskFailureKinds
{
    private static readonly Dictionary<TaskFailureKind, (string Stored, ApiErrorCode Code)> Table = new()
    {
        [TaskFailureKind.Refused] = ("refused", ApiErrorCode.InvalidState),
        [TaskFailureKind.DeviceStillAttached] = ("device_still_attached", ApiErrorCode.DeviceStillAttached),
        [TaskFailureKind.GuestIgnoredShutdown] = ("guest_ignored_shutdown", ApiErrorCode.InvalidState),
        [TaskFailureKind.AgentTimeout] = ("agent_timeout", ApiErrorCode.AgentTimeout),
        [TaskFailureKind.AgentUnavailable] = ("agent_unavailable", ApiErrorCode.AgentUnavailable),
        [TaskFailureKind.NoHostAvailable] = ("no_host_available", ApiErrorCode.NoHostAvailable),
        [TaskFailureKind.AgentFailed] = ("agent_failed", ApiErrorCode.AgentFailed),
        [TaskFailureKind.GaveUp] = ("gave_up", ApiErrorCode.Internal),
        [TaskFailureKind.Internal] = ("internal", ApiErrorCode.Internal),
        [TaskFailureKind.NoSpace] = ("no_space", ApiErrorCode.DriverCenterNoSpace),
        [TaskFailureKind.Busy] = ("busy", ApiErrorCode.DriverCenterBusy),
    };

    private static readonly Dictionary<string, TaskFailureKind> ByStored =
        Table.ToDictionary(entry => entry.Value.Stored, entry => entry.Key, StringComparer.Ordinal);

    public static IEnumerable<TaskFailureKind> All => Table.Keys;

    /// <summary>The name in tasks.error_code and audit_events.error_code.</summary>
    public static string Stored(this TaskFailureKind kind) => Table[kind].Stored;

    public static ApiErrorCode ToApiErrorCode(this TaskFailureKind kind) => Table[kind].Code;

    /// <summary>Null for no code; a name this controller does not know is a bug (the schema's CHECK lists them).</summary>
    public static TaskFailureKind? Parse(string? stored) =>
        stored is null ? null
        : ByStored.TryGetValue(stored, out var kind) ? kind
        : throw new InvalidOperationException($"unknown task failure kind '{stored}' in the inventory");

    /// <summary>The REST code of a stored kind: what error_code shows next to a task's message.</summary>
    public static int? ApiCodeOf(string? stored) => Parse(stored) is { } kind ? (int)kind.ToApiErrorCode() : null;
}

using Platform.Controller.Idempotency;

namespace Platform.Controller.Api;

/// <summary>One invalid request field and what is wrong with it.</summary>
internal sealed record FieldError(string Field, string Message);

/// <summary>
/// An expected failure of an API operation: served as the envelope with a non-zero code; data is
/// <c>{"errors": […]}</c> with field errors, or the change the failure is about (<c>{"resource_id", "task_id"}</c>).
/// </summary>
internal sealed record ApiError(ApiErrorCode Code, string Message, IReadOnlyList<FieldError>? Errors = null, RecordedChange? Change = null)
{
    public static ApiError Validation(IReadOnlyList<FieldError> errors) =>
        new(ApiErrorCode.ValidationFailed, string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")), errors);

    public static ApiError NotFound(ApiErrorCode code, string kind, string id) => new(code, $"{kind} {id} does not exist");

    public static ApiError Busy(string resourceId) =>
        new(ApiErrorCode.ResourceBusy, $"{resourceId} has an operation in progress; try again when it has finished");

    public static ApiError WrongState(string kind, string id, string status, string wanted) =>
        new(ApiErrorCode.InvalidState, $"{kind} {id} is {status}; this needs it {wanted}");
}

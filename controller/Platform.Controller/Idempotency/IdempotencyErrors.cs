using Platform.Controller.Api;

namespace Platform.Controller.Idempotency;

/// <summary>The answers the Idempotency-Key machinery gives instead of the endpoint's (codes in <see cref="ApiErrorCode"/>).</summary>
internal static class IdempotencyErrors
{
    public static ApiError InProgress { get; } = new(ApiErrorCode.IdempotencyKeyInProgress,
        $"a request with this {IdempotencyKeys.Header} is still being carried out; repeat it once that has answered (nothing was done twice)");

    public static ApiError Reused { get; } = new(ApiErrorCode.IdempotencyKeyReused,
        $"this {IdempotencyKeys.Header} was used for another request (method, path, query or body differ); nothing was done: a new request needs a new key");

    public static ApiError Lost { get; } = new(ApiErrorCode.IdempotencyKeyInProgress,
        $"a repeat of this request took its {IdempotencyKeys.Header} over while it ran and carries it out instead; nothing was done by this one");

    /// <summary>A repeat of a request that changed something but whose answer is not kept (it was a failure, or lost to an outage).</summary>
    public static ApiError CarriedOut(RecordedChange change) => new(ApiErrorCode.IdempotencyKeyCarriedOut,
        $"the request with this {IdempotencyKeys.Header} was carried out before, but its answer is not kept: check {change.WhereToCheck}", Change: change);

    /// <summary>
    /// The database went away after the request wrote its change: it may have committed (the
    /// failure came with or after the commit) or not. The client checks rather than retries blindly.
    /// </summary>
    public static ApiError OutcomeUnknown(RecordedChange change, bool keyed) => new(ApiErrorCode.OutcomeUnknown,
        $"the inventory database became unavailable after this request wrote its change; whether it was committed is unknown: check {change.WhereToCheck}"
        + (keyed ? $", or repeat the request with the same {IdempotencyKeys.Header} once the database is back" : ""),
        Change: change);
}

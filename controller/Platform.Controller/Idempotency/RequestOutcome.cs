using System.Text.Json.Serialization;
using Npgsql;

namespace Platform.Controller.Idempotency;

/// <summary>The Idempotency-Key one request holds: whose (scope), which, what for, and the request's own token.</summary>
internal sealed record IdempotencyClaim(string Scope, string Key, string RequestHash, string Token);

/// <summary>What a request's change made: the resource it is about, and the task carrying it out when there is one.</summary>
internal sealed record RecordedChange(string ResourceId, string? TaskId)
{
    /// <summary>Where a client finds out how the change went: the task when there is one, else the resource.</summary>
    [JsonIgnore]
    public string WhereToCheck => TaskId is { } taskId
        ? $"task {taskId} for {ResourceId} (GET /api/v1/tasks/detail?task_id={taskId})"
        : ResourceId;
}

/// <summary>
/// What one mutating request did to the inventory, as this controller knows it: every
/// transaction that writes the request's change joins it (<see cref="JoinAsync"/>, from the audit
/// write every change makes), so an answer after a failure can tell "nothing was done" from
/// "the change may be committed: check the task". With an Idempotency-Key, joining also marks the
/// key committed in that same transaction: the key is never without the change, nor the change
/// without the key.
/// </summary>
internal sealed class RequestOutcome
{
    private RecordedChange? _change;

    /// <summary>The key the request holds; null without an Idempotency-Key.</summary>
    public IdempotencyClaim? Claim { get; init; }

    /// <summary>The body being hashed, with a key.</summary>
    public FingerprintedBody? Body { get; init; }

    /// <summary>What the request's change made, once a transaction carrying it wrote it (committed or not).</summary>
    public RecordedChange? Change => _change;

    public static RequestOutcome? Of(HttpContext context) => context.Features.Get<RequestOutcome>();

    /// <summary>
    /// Called inside the transaction that writes the request's change, before it commits. With a
    /// key, marks it committed in that transaction; throws <see cref="IdempotencyKeyLostException"/>
    /// (the transaction must not commit) when the key is no longer this request's.
    /// </summary>
    public async Task JoinAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string resourceId, string? taskId, CancellationToken ct)
    {
        if (Claim is { } claim && await IdempotencyStore.MarkCommittedAsync(connection, transaction, claim, resourceId, taskId, Body?.Hash, Body?.Hash is null ? null : Body.Bytes, ct) == 0)
        {
            throw new IdempotencyKeyLostException(claim.Key);
        }
        // The first change a request writes is the one it is about (a delete of several drivers names the first).
        _change ??= new RecordedChange(resourceId, taskId);
        if (_change.TaskId is null && taskId is not null)
        {
            _change = _change with { TaskId = taskId };
        }
    }
}

/// <summary>
/// The request's Idempotency-Key was taken over by a repeat while this request ran (its lease ran
/// out): the repeat does the work, so this request's transaction must not commit.
/// </summary>
internal sealed class IdempotencyKeyLostException(string key)
    : Exception($"the Idempotency-Key {key} was taken over by a repeat of the request while this one ran");

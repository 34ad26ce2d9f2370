using Dapper;
using Npgsql;

namespace Platform.Controller.Idempotency;

internal static class IdempotencyStates
{
    public const string InProgress = "in_progress";
    public const string Committed = "committed";
    public const string Completed = "completed";
}

/// <summary>A key as another request with it finds it (times compared by the database's clock).</summary>
internal sealed record IdempotencyRecord(
    string RequestHash, string? BodyHash, long? BodyBytes, string State, string Token, string Owner, bool LeaseExpired, bool Expired,
    string? ResourceId, string? TaskId, int? Status, string? ContentType, byte[]? Response);

/// <summary>The answer a request was given, as it is kept for its repeats.</summary>
internal sealed record KeptAnswer(int Status, string? ContentType, byte[] Body);

/// <summary>The idempotency_keys table (migration 0010).</summary>
internal sealed class IdempotencyStore(NpgsqlDataSource dataSource)
{
    private const string Key = "scope = @Scope AND key = @Key";

    /// <summary>Claims a key no one holds; false when the key has a record (read it).</summary>
    public async Task<bool> TryClaimAsync(IdempotencyClaim claim, string owner, TimeSpan lease, TimeSpan retention, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO idempotency_keys (scope, key, request_hash, state, token, owner, lease_until, expires_at)
            VALUES (@Scope, @Key, @RequestHash, 'in_progress', @Token, @owner,
                    now() + make_interval(secs => @leaseSeconds), now() + make_interval(secs => @retentionSeconds))
            ON CONFLICT (scope, key) DO NOTHING
            """,
            new { claim.Scope, claim.Key, claim.RequestHash, claim.Token, owner, leaseSeconds = lease.TotalSeconds, retentionSeconds = retention.TotalSeconds },
            cancellationToken: ct)) == 1;
    }

    public async Task<IdempotencyRecord?> GetAsync(IdempotencyClaim claim, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<IdempotencyRecord>(new CommandDefinition(
            $"""
            SELECT request_hash, body_hash, body_bytes, state, token, owner, lease_until < now() AS lease_expired, expires_at < now() AS expired,
                   resource_id, task_id, status, content_type, response
            FROM idempotency_keys WHERE {Key}
            """, new { claim.Scope, claim.Key }, cancellationToken: ct));
    }

    /// <summary>
    /// Claims a key whose record is over (expired, or held by a request that is gone): the record
    /// starts again as this request's. False when it changed meanwhile (read it again).
    /// </summary>
    public async Task<bool> TakeOverAsync(IdempotencyClaim claim, string previousToken, string owner, TimeSpan lease, TimeSpan retention, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE idempotency_keys SET
                request_hash = @RequestHash, body_hash = NULL, body_bytes = NULL, state = 'in_progress', token = @Token, owner = @owner,
                lease_until = now() + make_interval(secs => @leaseSeconds), expires_at = now() + make_interval(secs => @retentionSeconds),
                resource_id = NULL, task_id = NULL, status = NULL, content_type = NULL, response = NULL, created_at = now(), committed_at = NULL
            WHERE {Key} AND token = @previousToken
            """,
            new { claim.Scope, claim.Key, claim.RequestHash, claim.Token, previousToken, owner, leaseSeconds = lease.TotalSeconds, retentionSeconds = retention.TotalSeconds },
            cancellationToken: ct)) == 1;
    }

    /// <summary>Keeps the request's hold on its key while it runs.</summary>
    public async Task RenewAsync(IdempotencyClaim claim, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE idempotency_keys SET lease_until = now() + make_interval(secs => @leaseSeconds) WHERE {Key} AND token = @Token AND state <> 'completed'",
            new { claim.Scope, claim.Key, claim.Token, leaseSeconds = lease.TotalSeconds }, cancellationToken: ct));
    }

    /// <summary>
    /// Inside the transaction of the request's change: the key is committed with it, naming what
    /// it made. 0 when the key is no longer this request's.
    /// </summary>
    public static Task<int> MarkCommittedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IdempotencyClaim claim, string resourceId, string? taskId, string? bodyHash, long? bodyBytes, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE idempotency_keys SET state = 'committed', committed_at = COALESCE(committed_at, now()),
                resource_id = COALESCE(resource_id, @resourceId), task_id = COALESCE(task_id, @taskId),
                body_hash = COALESCE(body_hash, @bodyHash), body_bytes = COALESCE(body_bytes, @bodyBytes)
            WHERE {Key} AND token = @Token AND state IN ('in_progress', 'committed')
            """, new { claim.Scope, claim.Key, claim.Token, resourceId, taskId, bodyHash, bodyBytes }, transaction, cancellationToken: ct));

    /// <summary>
    /// The request ended: a key whose change committed keeps <paramref name="answer"/> (null: the
    /// key stays committed without an answer); a key whose request changed nothing is let go, so
    /// that a repeat does the work. Answers the key's state afterwards (null: let go, or not this request's).
    /// </summary>
    public async Task<string?> FinishAsync(IdempotencyClaim claim, KeptAnswer? answer, string? bodyHash, long? bodyBytes, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            $"""
            WITH kept AS (
                UPDATE idempotency_keys SET
                    state = CASE WHEN @status::integer IS NULL THEN 'committed' ELSE 'completed' END,
                    status = @status, content_type = @contentType, response = @response,
                    body_hash = COALESCE(body_hash, @bodyHash), body_bytes = COALESCE(body_bytes, @bodyBytes)
                WHERE {Key} AND token = @Token AND state = 'committed'
                RETURNING state),
            released AS (
                DELETE FROM idempotency_keys WHERE {Key} AND token = @Token AND state = 'in_progress'
                RETURNING NULL::text AS state)
            SELECT state FROM kept UNION ALL SELECT state FROM released
            """,
            new
            {
                claim.Scope, claim.Key, claim.Token, status = answer?.Status, contentType = answer?.ContentType, response = answer?.Body, bodyHash, bodyBytes,
            }, cancellationToken: ct));
    }

    /// <summary>
    /// Deletes up to <paramref name="batch"/> records past their retention (a request still holding
    /// its key keeps it until its lease runs out); answers how many.
    /// </summary>
    public async Task<int> DeleteExpiredAsync(int batch, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM idempotency_keys
                WHERE expires_at < now() AND (state <> 'in_progress' OR lease_until < now())
                LIMIT @batch))
            """, new { batch }, cancellationToken: ct));
    }
}

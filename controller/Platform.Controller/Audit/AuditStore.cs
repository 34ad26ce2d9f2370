using System.Text.Json;
using Dapper;
using Npgsql;
using Platform.Controller.Idempotency;
using Platform.Controller.Tasks;

namespace Platform.Controller.Audit;

/// <summary>A row of audit_events as the list reads it.</summary>
internal sealed record AuditRecord(
    long EventId, long At, string Action, string ResourceId, string Outcome, string? TaskId, string? ErrorCode, string? Error,
    string? RemoteAddress, string? RequestId, string? TraceId, string? Principal, string Detail);

internal sealed class AuditStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions DetailJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// Writes one event inside the caller's transaction: it commits with the state change it
    /// describes, or not at all. Every change a request makes is audited this way, so this is
    /// also where the request's own record joins that transaction (<see cref="RequestOutcome"/>:
    /// its Idempotency-Key commits with the change, and a failure afterwards is answered as
    /// "outcome unknown", not "not done").
    /// </summary>
    public static async Task WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, AuditEvent audit, string outcome, string? taskId, TaskFailure? failure, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO audit_events (action, resource_id, outcome, task_id, error_code, error, remote_address, request_id, trace_id, principal, detail)
            VALUES (@Action, @ResourceId, @outcome, @taskId, @errorCode, @error, @RemoteAddress, @RequestId, @TraceId, @Principal, @detail::jsonb)
            """,
            new
            {
                audit.Action,
                audit.ResourceId,
                outcome,
                taskId,
                errorCode = failure?.Kind.Stored(),
                error = failure?.Message,
                audit.Caller.RemoteAddress,
                audit.Caller.RequestId,
                audit.Caller.TraceId,
                audit.Caller.Principal,
                detail = JsonSerializer.Serialize(audit.Detail ?? new { }, DetailJson),
            }, transaction, cancellationToken: ct));
        if (audit.Caller.Outcome is { } request)
        {
            await request.JoinAsync(connection, transaction, audit.ResourceId, taskId, ct);
        }
    }

    /// <summary>Newest first.</summary>
    public async Task<(long Total, IReadOnlyList<AuditRecord> Items)> ListAsync(string? resourceId, string? action, int offset, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var filter = new { resourceId, action, offset, limit };
        const string Where = "WHERE (@resourceId::text IS NULL OR resource_id = @resourceId) AND (@action::text IS NULL OR action = @action)";
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT count(*) FROM audit_events {Where};
            SELECT event_id, extract(epoch FROM at)::bigint AS at, action, resource_id, outcome, task_id, error_code, error,
                   remote_address, request_id, trace_id, principal, detail::text AS detail
            FROM audit_events {Where} ORDER BY event_id DESC LIMIT @limit OFFSET @offset;
            """, filter, cancellationToken: ct));
        var total = await results.ReadSingleAsync<long>();
        var items = await results.ReadAsync<AuditRecord>();
        return (total, items.AsList());
    }
}

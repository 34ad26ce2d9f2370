using Dapper;
using Npgsql;

namespace Platform.Controller.Reconciliation;

/// <summary>A difference between the inventory and what the hosts or Ceph have.</summary>
internal sealed record Drift(string Kind, string ResourceId, string? HostId, string Detail, string Action);

internal sealed record DriftRecord(long DriftId, string Kind, string ResourceId, string? HostId, string Detail, string Action, long FirstSeen, long LastSeen, long? ResolvedAt);

internal sealed class DriftStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Records what one pass saw: new drift opens a row, drift seen again refreshes it, open
    /// drift of the checked <paramref name="scopes"/> that was not seen is resolved.
    /// </summary>
    public async Task RecordPassAsync(IReadOnlyCollection<string> scopes, IReadOnlyList<Drift> seen, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // One statement for the whole pass: a pass may see thousands of items. Drift seen again
        // unchanged refreshes last_seen at most once a minute: rewriting every open row on every
        // pass made a large inventory's passes write as much as they read.
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO drift (kind, resource_id, host_id, detail, action)
            SELECT * FROM unnest(@kinds, @resourceIds, @hostIds, @details, @actions)
            ON CONFLICT (kind, resource_id) WHERE resolved_at IS NULL
            DO UPDATE SET last_seen = now(), detail = excluded.detail, action = excluded.action, host_id = excluded.host_id
            WHERE drift.last_seen < now() - interval '1 minute'
               OR (drift.detail, drift.action, drift.host_id) IS DISTINCT FROM (excluded.detail, excluded.action, excluded.host_id)
            """,
            new
            {
                kinds = seen.Select(d => d.Kind).ToArray(),
                resourceIds = seen.Select(d => d.ResourceId).ToArray(),
                hostIds = seen.Select(d => d.HostId).ToArray(),
                details = seen.Select(d => d.Detail).ToArray(),
                actions = seen.Select(d => d.Action).ToArray(),
            }, transaction, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE drift SET resolved_at = now()
            WHERE resolved_at IS NULL AND kind = ANY(@scopes)
              AND NOT (kind || '/' || resource_id = ANY(@seen))
            """, new { scopes = scopes.ToArray(), seen = seen.Select(d => d.Kind + "/" + d.ResourceId).ToArray() }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    /// <summary>Open drift by kind (the partial unique index on open drift answers it).</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountOpenAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Kind, long Count)>(new CommandDefinition(
            "SELECT kind, count(*) FROM drift WHERE resolved_at IS NULL GROUP BY kind", cancellationToken: ct));
        return rows.ToDictionary(r => r.Kind, r => r.Count, StringComparer.Ordinal);
    }

    public async Task<(long Total, IReadOnlyList<DriftRecord> Items)> ListAsync(bool includeResolved, string? resourceId, string? kind, int offset, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        const string Where =
            "WHERE (@includeResolved OR resolved_at IS NULL) AND (@resourceId::text IS NULL OR resource_id = @resourceId) AND (@kind::text IS NULL OR kind = @kind)";
        var filter = new { includeResolved, resourceId, kind, offset, limit };
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM drift {Where}", filter, cancellationToken: ct));
        var items = await connection.QueryAsync<DriftRecord>(new CommandDefinition(
            $"""
            SELECT drift_id, kind, resource_id, host_id, detail, action,
                   extract(epoch FROM first_seen)::bigint AS first_seen, extract(epoch FROM last_seen)::bigint AS last_seen,
                   extract(epoch FROM resolved_at)::bigint AS resolved_at
            FROM drift {Where} ORDER BY last_seen DESC, drift_id DESC LIMIT @limit OFFSET @offset
            """, filter, cancellationToken: ct));
        return (total, items.AsList());
    }
}

using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Npgsql;
using Platform.Controller.Audit;
using Platform.Controller.Inventory;

namespace Platform.Controller.Tasks;

internal sealed class TaskStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "task_id, kind, resource_id, state, step, percent, error, error_code, payload::text AS payload, attempts, created_at, updated_at, finished_at";

    public static string NewTaskId() => "task-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>
    /// Inserts the task, owned by <paramref name="owner"/> and running, with its resource locks,
    /// inside the caller's transaction (so the resource's state change and the task commit
    /// together), and the accepted request's audit event. Null when one of the resources already
    /// has a task: the caller rolls back.
    /// </summary>
    public static async Task<string?> TryCreateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, NewTask task, string owner, TimeSpan lease, CancellationToken ct)
    {
        var taskId = NewTaskId();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO tasks (task_id, kind, resource_id, state, payload, attempts, owner, lease_until)
            VALUES (@taskId, @Kind, @ResourceId, 'running', @payload::jsonb, 1, @owner, now() + make_interval(secs => @leaseSeconds))
            """,
            new { taskId, task.Kind, task.ResourceId, payload = JsonSerializer.Serialize(task.Payload), owner, leaseSeconds = lease.TotalSeconds },
            transaction, cancellationToken: ct));
        await transaction.SaveAsync("locks", ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO resource_locks (resource_id, task_id) SELECT unnest(@locks), @taskId",
                new { locks = task.Locks.Distinct(StringComparer.Ordinal).ToArray(), taskId }, transaction, cancellationToken: ct));
        }
        catch (PostgresException e) when (e.IsUniqueViolation())
        {
            await transaction.RollbackAsync("locks", ct);
            return null;
        }
        await AuditStore.WriteAsync(connection, transaction, task.Audit, AuditOutcomes.Accepted, taskId, null, ct);
        return taskId;
    }

    /// <summary>Unfinished tasks by kind and state (the partial index on unfinished tasks answers it): what the active-task gauge shows.</summary>
    public async Task<IReadOnlyList<(string Kind, string State, long Count)>> CountUnfinishedAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string, string, long)>(new CommandDefinition(
            "SELECT kind, state, count(*) FROM tasks WHERE state IN ('pending', 'running') GROUP BY kind, state", cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>Takes over one unfinished task whose owner's lease ran out (oldest first); null when there is none.</summary>
    public async Task<TaskRecord?> ClaimAbandonedAsync(string owner, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<TaskRecord>(new CommandDefinition(
            $"""
            UPDATE tasks SET owner = @owner, state = 'running', attempts = attempts + 1,
                             lease_until = now() + make_interval(secs => @leaseSeconds), updated_at = now()
            WHERE task_id = (
                SELECT task_id FROM tasks
                WHERE state IN ('pending', 'running') AND (lease_until IS NULL OR lease_until < now())
                ORDER BY created_at
                FOR UPDATE SKIP LOCKED
                LIMIT 1)
            RETURNING {Columns}
            """, new { owner, leaseSeconds = lease.TotalSeconds }, cancellationToken: ct));
    }

    /// <summary>Records progress and renews the lease; false when this replica no longer owns the task.</summary>
    public async Task<bool> ReportAsync(string taskId, string owner, string step, int percent, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE tasks SET step = @step, percent = GREATEST(percent, @percent), updated_at = now(),
                             lease_until = now() + make_interval(secs => @leaseSeconds)
            WHERE task_id = @taskId AND owner = @owner AND state = 'running'
            """, new { taskId, owner, step, percent, leaseSeconds = lease.TotalSeconds }, cancellationToken: ct)) == 1;
    }

    public async Task<bool> RenewLeaseAsync(string taskId, string owner, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE tasks SET lease_until = now() + make_interval(secs => @leaseSeconds)
            WHERE task_id = @taskId AND owner = @owner AND state = 'running'
            """, new { taskId, owner, leaseSeconds = lease.TotalSeconds }, cancellationToken: ct)) == 1;
    }

    /// <summary>
    /// Ends the task (failed when <paramref name="failure"/> is given), releases its resource
    /// locks and audits the outcome under the accepted request's action and caller, in one
    /// transaction. Nothing happens when this replica no longer owns the task.
    /// </summary>
    public async Task FinishAsync(string taskId, string owner, TaskFailure? failure, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var finished = await connection.ExecuteAsync(new CommandDefinition(
            """
            WITH finished AS (
                UPDATE tasks SET state = @state, error = @error, error_code = @errorCode,
                                 percent = CASE WHEN @error IS NULL THEN 100 ELSE percent END,
                                 finished_at = now(), updated_at = now(), lease_until = NULL
                WHERE task_id = @taskId AND owner = @owner
                RETURNING task_id, kind, resource_id)
            INSERT INTO audit_events (action, resource_id, outcome, task_id, error_code, error, remote_address, request_id, trace_id)
            SELECT coalesce(a.action, f.kind), f.resource_id, @state, f.task_id, @errorCode, @error, a.remote_address, a.request_id, a.trace_id
            FROM finished f
            -- Tasks accepted before requests were audited have no accepted event: the kind names them.
            LEFT JOIN audit_events a ON a.task_id = f.task_id AND a.outcome = 'accepted'
            """,
            new
            {
                taskId,
                owner,
                error = failure?.Message,
                errorCode = failure?.Kind.Stored(),
                state = failure is null ? TaskStates.Succeeded : TaskStates.Failed,
            }, transaction, cancellationToken: ct));
        if (finished > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM resource_locks WHERE task_id = @taskId", new { taskId }, transaction, cancellationToken: ct));
        }
        await transaction.CommitAsync(ct);
    }

    public async Task<TaskRecord?> GetAsync(string taskId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<TaskRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM tasks WHERE task_id = @taskId", new { taskId }, cancellationToken: ct));
    }

    public async Task<TaskRecord?> LatestForResourceAsync(string resourceId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QueryFirstOrDefaultAsync<TaskRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM tasks WHERE resource_id = @resourceId ORDER BY created_at DESC LIMIT 1", new { resourceId }, cancellationToken: ct));
    }

    public async Task<(long Total, IReadOnlyList<TaskRecord> Items)> ListAsync(string? resourceId, string? state, int offset, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var filter = new { resourceId, state, offset, limit };
        const string Where = "WHERE (@resourceId::text IS NULL OR resource_id = @resourceId) AND (@state::text IS NULL OR state = @state)";
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM tasks {Where}", filter, cancellationToken: ct));
        var items = await connection.QueryAsync<TaskRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM tasks {Where} ORDER BY created_at DESC, task_id LIMIT @limit OFFSET @offset", filter, cancellationToken: ct));
        return (total, items.AsList());
    }
}

using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Controller.Api;
using Platform.Controller.Audit;
using Platform.Controller.Tasks;

namespace Platform.Controller.Instances;

/// <summary>What an instance operation answered: the instance after it (or while it still runs) and its task.</summary>
internal sealed record InstanceOperation(string InstanceId, string Status, string? Error, string TaskId, string TaskState, string Step, int Percent);

/// <summary>
/// Turn on, turn off and destroy: each checks the instance's state, moves it to the
/// transitional state together with creating the task (one transaction: a refusal changes
/// nothing), runs the task off the request thread and waits a bounded time for it. A task that
/// failed within the wait answers its failure (a guest ignoring ACPI is a 409 saying so).
/// </summary>
internal sealed class InstanceOperations(NpgsqlDataSource dataSource, InstanceStore instances, TaskRunner runner, IOptions<TaskOptions> options)
{
    public const string StartKind = "instance.start";
    public const string StopKind = "instance.stop";
    public const string DestroyKind = "instance.destroy";

    public Task<ApiResult<InstanceOperation>> TurnOnAsync(string instanceId, Caller caller, CancellationToken ct) =>
        BeginAsync(instanceId, StartKind, [InstanceStatus.Stopped, InstanceStatus.Crashed], InstanceStatus.Starting, new PowerPayload(Force: false, InstanceStatus.Stopped), wait: true,
            new AuditEvent(AuditActions.InstanceTurnOn, instanceId, caller), ct);

    public Task<ApiResult<InstanceOperation>> TurnOffAsync(string instanceId, bool force, Caller caller, CancellationToken ct) =>
        BeginAsync(instanceId, StopKind, [InstanceStatus.Running, InstanceStatus.Paused, InstanceStatus.Crashed], InstanceStatus.Stopping, new PowerPayload(force, InstanceStatus.Running), wait: true,
            new AuditEvent(AuditActions.InstanceTurnOff, instanceId, caller, new { force }), ct);

    /// <summary>Any settled state may be destroyed, error included (that is how a failed instance is cleaned up).</summary>
    public Task<ApiResult<InstanceOperation>> DestroyAsync(string instanceId, Caller caller, CancellationToken ct) =>
        BeginAsync(instanceId, DestroyKind, [InstanceStatus.Running, InstanceStatus.Stopped, InstanceStatus.Error, InstanceStatus.Paused, InstanceStatus.Crashed], InstanceStatus.Destroying,
            new PowerPayload(Force: true, InstanceStatus.Error), wait: false, new AuditEvent(AuditActions.InstanceDestroy, instanceId, caller), ct);

    private async Task<ApiResult<InstanceOperation>> BeginAsync(
        string instanceId, string kind, IReadOnlyList<string> allowed, string transitional, PowerPayload payload, bool wait, AuditEvent audit, CancellationToken ct)
    {
        string taskId;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            var status = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT status FROM instances WHERE instance_id = @instanceId FOR UPDATE", new { instanceId }, transaction, cancellationToken: ct));
            if (status is null)
            {
                return ApiError.NotFound(ApiErrorCode.InstanceNotFound, "instance", instanceId);
            }
            if (!allowed.Contains(status))
            {
                return ApiError.WrongState("instance", instanceId, status, string.Join(" or ", allowed));
            }
            var locks = new List<string> { instanceId };
            if (kind == DestroyKind)
            {
                locks.AddRange(await connection.QueryAsync<string>(new CommandDefinition(
                    "SELECT volume_id FROM volumes WHERE instance_id = @instanceId UNION ALL SELECT nic_id FROM network_interfaces WHERE instance_id = @instanceId",
                    new { instanceId }, transaction, cancellationToken: ct)));
            }
            var created = await TaskStore.TryCreateAsync(connection, transaction, new NewTask(kind, instanceId, locks, payload with { Previous = status }, audit), runner.Owner, runner.Lease, ct);
            if (created is null)
            {
                return ApiError.Busy(instanceId);
            }
            taskId = created;
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE instances SET status = @transitional, error = NULL WHERE instance_id = @instanceId", new { instanceId, transitional }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }

        await runner.StartAsync(taskId, ct);
        var task = wait ? await runner.WaitAsync(taskId, options.Value.SynchronousWait, ct) : null;
        if (task is not null && TaskFailures.Of(task) is { } failure)
        {
            return new ApiError(failure.Kind.ToApiErrorCode(), $"{instanceId}: {failure.Message}");
        }
        var instance = await instances.GetAsync(instanceId, ct);
        return new InstanceOperation(instanceId, instance?.Status ?? "destroyed", instance?.Error, taskId,
            task?.State ?? TaskStates.Running, task?.Step ?? "", task?.Percent ?? 0);
    }
}

/// <summary>Payload of start/stop/destroy tasks: whether to force, and the state to return to if the operation fails.</summary>
internal sealed record PowerPayload(bool Force, string Previous);

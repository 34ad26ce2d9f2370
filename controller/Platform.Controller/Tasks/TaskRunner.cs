using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Common.Observability;
using Platform.Controller.Agents;
using Platform.Controller.Inventory;

namespace Platform.Controller.Tasks;

/// <summary>
/// Runs tasks off request threads on this replica and lets requests wait for them. The task's
/// lease is renewed while it runs; if the process dies, the lease runs out and
/// <see cref="TaskWorker"/> on some replica resumes the task.
/// </summary>
internal sealed partial class TaskRunner(
    TaskStore store,
    IEnumerable<ITaskHandler> handlers,
    IOptions<TaskOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<TaskRunner> logger)
{
    private readonly Dictionary<string, ITaskHandler> _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);

    /// <summary>Identifies this replica as a task owner.</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    public TimeSpan Lease => options.Value.Lease;

    public int Running => _running.Count;

    /// <summary>The kinds of task this controller runs.</summary>
    public IReadOnlyCollection<string> Kinds => _handlers.Keys;

    /// <summary>Starts a task this replica owns (just created or just claimed).</summary>
    public void Start(TaskRecord task) => _running.GetOrAdd(task.TaskId, _ => Task.Run(() => ExecuteAsync(task)));

    public async Task StartAsync(string taskId, CancellationToken ct)
    {
        var task = await store.GetAsync(taskId, ct) ?? throw new InvalidOperationException($"task {taskId} vanished after it was created");
        Start(task);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the task to finish; answers its latest record.</summary>
    public async Task<TaskRecord?> WaitAsync(string taskId, TimeSpan timeout, CancellationToken ct)
    {
        if (_running.TryGetValue(taskId, out var run))
        {
            await Task.WhenAny(run, Task.Delay(timeout, ct)).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            return await store.GetAsync(taskId, ct);
        }
        // Running on another replica: follow it through the database.
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var task = await store.GetAsync(taskId, ct);
            if (task is null || task.IsFinished || DateTime.UtcNow >= deadline)
            {
                return task;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    private async Task ExecuteAsync(TaskRecord task)
    {
        var stopping = lifetime.ApplicationStopping;
        // A task started by a request goes on in the request's trace (the activity flows into
        // Task.Run); one resumed by the worker starts a trace of its own. Either way the agent's
        // lines for its calls carry the trace id.
        using var activity = PlatformMetrics.ActivitySource.StartActivity($"task {task.Kind}");
        var started = Stopwatch.GetTimestamp();
        var outcome = TaskOutcomes.Interrupted;
        PlatformMetrics.TasksStarted.Add(1, new KeyValuePair<string, object?>(PlatformMetrics.Labels.Kind, task.Kind));
        try
        {
            if (!_handlers.TryGetValue(task.Kind, out var handler))
            {
                LogUnknownKind(task.TaskId, task.Kind);
                outcome = TaskOutcomes.Failed;
                await store.FinishAsync(task.TaskId, Owner, new TaskFailure(TaskFailureKind.Internal, $"this controller cannot run tasks of kind '{task.Kind}'"), CancellationToken.None);
                return;
            }
            var context = new TaskContext(task, Owner, store, Lease);
            using var leaseKeeper = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var renewal = KeepLeaseAsync(task.TaskId, leaseKeeper.Token);
            TaskFailure? failure = null;
            try
            {
                if (task.Attempts > options.Value.MaxAttempts)
                {
                    throw new TaskFailedException(TaskFailureKind.GaveUp, $"gave up after {task.Attempts - 1} interrupted attempts");
                }
                LogStarting(task.TaskId, task.Kind, task.ResourceId, task.Attempts);
                await handler.RunAsync(context, stopping);
            }
            catch (AgentException e)
            {
                failure = TaskFailures.From(e);
            }
            catch (TaskFailedException e)
            {
                failure = e.Failure;
            }
            finally
            {
                await leaseKeeper.CancelAsync();
                await renewal;
            }

            if (failure is not null)
            {
                LogFailed(task.TaskId, task.Kind, task.ResourceId, failure.Kind, failure.Message);
                await handler.FailAsync(context, failure, stopping);
            }
            await store.FinishAsync(task.TaskId, Owner, failure, CancellationToken.None);
            outcome = failure is null ? TaskOutcomes.Succeeded : TaskOutcomes.Failed;
            if (failure is null)
            {
                LogSucceeded(task.TaskId, task.Kind, task.ResourceId);
            }
        }
        catch (TaskLeaseLostException)
        {
            LogLeaseLost(task.TaskId);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down: the lease runs out and a replica (or this one, restarted) resumes it.
            LogInterrupted(task.TaskId);
        }
        catch (NpgsqlException e) when (e.IsOutage())
        {
            LogDatabaseLost(task.TaskId, e.Message);
        }
        catch (Exception e)
        {
            // A bug: the task must still end visibly rather than stay "running" for ever.
            LogBug(e, task.TaskId, task.Kind);
            outcome = TaskOutcomes.Failed;
            await FailAfterBugAsync(task, e);
        }
        finally
        {
            _running.TryRemove(task.TaskId, out _);
            TaskOutcomes.Record(task.Kind, outcome, Stopwatch.GetElapsedTime(started));
        }
    }

    private async Task FailAfterBugAsync(TaskRecord task, Exception bug)
    {
        var failure = new TaskFailure(TaskFailureKind.Internal, $"internal error: {bug.GetType().Name}: {bug.Message}");
        try
        {
            if (_handlers.TryGetValue(task.Kind, out var handler))
            {
                await handler.FailAsync(new TaskContext(task, Owner, store, Lease), failure, CancellationToken.None);
            }
            await store.FinishAsync(task.TaskId, Owner, failure, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogBug(e, task.TaskId, task.Kind);
        }
    }

    private async Task KeepLeaseAsync(string taskId, CancellationToken ct)
    {
        try
        {
            using var timer = new PeriodicTimer(Lease / 3);
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await store.RenewLeaseAsync(taskId, Owner, Lease, ct);
                }
                catch (NpgsqlException e) when (e.IsOutage())
                {
                    LogDatabaseLost(taskId, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The task ended.
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Task {TaskId} ({Kind} {ResourceId}) attempt {Attempt} started")]
    private partial void LogStarting(string taskId, string kind, string resourceId, int attempt);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Task {TaskId} ({Kind} {ResourceId}) succeeded")]
    private partial void LogSucceeded(string taskId, string kind, string resourceId);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "Task {TaskId} ({Kind} {ResourceId}) failed ({FailureKind}): {Reason}")]
    private partial void LogFailed(string taskId, string kind, string resourceId, TaskFailureKind failureKind, string reason);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Task {TaskId} was taken over by another replica; this one stops working on it")]
    private partial void LogLeaseLost(string taskId);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Information, Message = "Task {TaskId} interrupted by shutdown; it resumes when its lease runs out")]
    private partial void LogInterrupted(string taskId);

    [LoggerMessage(EventId = 1306, Level = LogLevel.Warning, Message = "Inventory database lost while running task {TaskId}; it resumes when its lease runs out: {Reason}")]
    private partial void LogDatabaseLost(string taskId, string reason);

    [LoggerMessage(EventId = 1307, Level = LogLevel.Error, Message = "Task {TaskId} ({Kind}) hit a bug")]
    private partial void LogBug(Exception exception, string taskId, string kind);

    [LoggerMessage(EventId = 1308, Level = LogLevel.Error, Message = "Task {TaskId} has kind {Kind}, which no handler runs")]
    private partial void LogUnknownKind(string taskId, string kind);
}

using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Common.Observability;

namespace Platform.Controller.Tasks;

/// <summary>
/// Resumes tasks whose owner went away (a crashed or restarted replica): claims them with
/// FOR UPDATE SKIP LOCKED, so each is taken by exactly one replica. Each poll also refreshes
/// the gauge of unfinished tasks.
/// </summary>
internal sealed partial class TaskWorker(TaskStore store, TaskRunner runner, IOptions<TaskOptions> options, Api.RepeatedWarnings repeated, ILogger<TaskWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        do
        {
            try
            {
                while (await store.ClaimAbandonedAsync(runner.Owner, runner.Lease, stoppingToken) is { } task)
                {
                    LogResuming(task.TaskId, task.Kind, task.ResourceId, task.Attempts);
                    runner.Start(task);
                }
                await RefreshActiveTasksAsync(stoppingToken);
            }
            catch (NpgsqlException e)
            {
                // The database is away: one line now and then, without a stack trace.
                if (repeated.ShouldLog("task-poll", out var suppressed))
                {
                    LogPollFailed(e.Message, suppressed);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task RefreshActiveTasksAsync(CancellationToken ct)
    {
        var counts = (await store.CountUnfinishedAsync(ct)).ToDictionary(c => (c.Kind, c.State), c => c.Count);
        // Every kind in both states, so that a series drops to 0 rather than vanishing when its last task ends.
        var kinds = runner.Kinds.Union(counts.Keys.Select(k => k.Kind), StringComparer.Ordinal);
        PlatformMetrics.SetActiveTasks(kinds.SelectMany(kind => new[] { TaskStates.Pending, TaskStates.Running }
            .Select(state => (kind, state, counts.GetValueOrDefault((kind, state))))));
    }

    [LoggerMessage(EventId = 1311, Level = LogLevel.Information, Message = "Resuming task {TaskId} ({Kind} {ResourceId}), attempt {Attempt}")]
    private partial void LogResuming(string taskId, string kind, string resourceId, int attempt);

    [LoggerMessage(EventId = 1312, Level = LogLevel.Warning, Message = "Looking for abandoned tasks failed; retrying next period: {Reason} ({Suppressed} more failures since the last line)")]
    private partial void LogPollFailed(string reason, int suppressed);
}

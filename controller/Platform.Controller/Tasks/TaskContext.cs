using System.Text.Json;

namespace Platform.Controller.Tasks;

/// <summary>What a handler knows about the task it runs, and how it reports progress.</summary>
internal sealed class TaskContext(TaskRecord task, string owner, TaskStore store, TimeSpan lease)
{
    public string TaskId => task.TaskId;

    public string ResourceId => task.ResourceId;

    public int Attempt => task.Attempts;

    public T Payload<T>() => JsonSerializer.Deserialize<T>(task.Payload)
        ?? throw new InvalidOperationException($"task {task.TaskId} has no {typeof(T).Name} payload");

    /// <summary>The agent operation id of one step of this task: stable across resumptions.</summary>
    public string OperationId(string step) => $"{task.TaskId}.{step}";

    public async Task ReportAsync(string step, int percent, CancellationToken ct)
    {
        if (!await store.ReportAsync(task.TaskId, owner, step, percent, lease, ct))
        {
            throw new TaskLeaseLostException(task.TaskId);
        }
    }
}

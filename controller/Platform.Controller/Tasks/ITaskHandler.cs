namespace Platform.Controller.Tasks;

/// <summary>Carries out one kind of task.</summary>
internal interface ITaskHandler
{
    string Kind { get; }

    /// <summary>
    /// Runs the task, or resumes it after its owner died: resuming runs it again from the start,
    /// so every step must be idempotent (agent calls carry <see cref="TaskContext.OperationId"/>,
    /// the agent answers a repeated one without doing the work twice).
    /// </summary>
    Task RunAsync(TaskContext context, CancellationToken ct);

    /// <summary>The task failed: undo what it made and leave the resource in the state the failure left it in (its error state, unless the failure shows nothing was changed), with the reason.</summary>
    Task FailAsync(TaskContext context, TaskFailure failure, CancellationToken ct);
}

/// <summary>An expected failure of a task step: thrown to end the task with <see cref="Failure"/>.</summary>
internal sealed class TaskFailedException(TaskFailure failure) : Exception(failure.Message)
{
    public TaskFailedException(TaskFailureKind kind, string message)
        : this(new TaskFailure(kind, message))
    {
    }

    public TaskFailure Failure { get; } = failure;
}

/// <summary>Another replica took the task over (this one's lease ran out): stop without touching it.</summary>
internal sealed class TaskLeaseLostException(string taskId) : Exception($"lease of {taskId} lost");

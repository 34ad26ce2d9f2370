using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Cli.Output;

namespace Platform.Cli.Rest;

/// <summary>How a task ended, as far as the command is concerned.</summary>
internal sealed record TaskOutcome(ExitCode Exit, JsonElement? Task, string? Message);

/// <summary>
/// Follows a task through GET /api/v1/tasks/detail until it succeeds or fails, reporting its
/// percent and step, or until the deadline (the task goes on; the command says so and exits 7).
/// </summary>
internal static class TaskWaiter
{
    public const string DetailPath = "/api/v1/tasks/detail";

    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static async Task<TaskOutcome> WaitAsync(ApiClient client, string taskId, TimeSpan timeout, IProgressSink progress, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        using var timer = new PeriodicTimer(PollInterval);
        while (true)
        {
            var outcome = await client.GetAsync(DetailPath, new Dictionary<string, JsonNode?> { ["task_id"] = taskId }, ct);
            if (outcome.Failure is { } unreachable)
            {
                return new TaskOutcome(unreachable.Exit, null, unreachable.Message);
            }
            var response = outcome.Response!;
            if (!response.IsSuccess || response.Data is not { ValueKind: JsonValueKind.Object } task)
            {
                return new TaskOutcome(response.Exit, null, $"task {taskId}: {response.FailureText}");
            }
            var state = Text(task, "state");
            progress.Report(task.TryGetProperty("percent", out var p) && p.TryGetDouble(out var percent) ? percent : 0, Text(task, "step"));
            if (state == "succeeded")
            {
                progress.Report(100, Text(task, "step"));
                return new TaskOutcome(ExitCode.Ok, task, null);
            }
            if (state == "failed")
            {
                var code = task.TryGetProperty("error_code", out var c) && c.ValueKind == JsonValueKind.Number ? $" (code {c.GetInt32()})" : "";
                return new TaskOutcome(ExitCode.TaskFailed, task, $"task {taskId} failed: {Text(task, "error")}{code}");
            }
            if (DateTime.UtcNow >= deadline)
            {
                return new TaskOutcome(ExitCode.TimedOut, task,
                    $"task {taskId} is still {state} ({Text(task, "step")}) after {timeout.TotalSeconds:0} s; it goes on: platformctl task detail --task-id {taskId}");
            }
            await timer.WaitForNextTickAsync(ct);
        }
    }

    private static string Text(JsonElement task, string name) =>
        task.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}

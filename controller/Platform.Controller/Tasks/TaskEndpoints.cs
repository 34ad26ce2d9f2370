using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;

namespace Platform.Controller.Tasks;

/// <summary>/api/v1/tasks/*: every long operation, its step, percent and error.</summary>
internal static class TaskEndpoints
{
    private static readonly IReadOnlyList<string> States = [TaskStates.Pending, TaskStates.Running, TaskStates.Succeeded, TaskStates.Failed];

    public static void MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/api/v1/tasks");
        tasks.MapGet("/list", List).Describe(new("task_list", Tag, "List tasks, newest first", typeof(PageOf<TaskView>))
        {
            Access = ApiAccess.Viewer,
            Fields = [ApiField.Text("resource_id", TextRule.Name), ApiField.Choice("state", States), .. ApiField.Paging],
        });
        tasks.MapGet("/detail", Detail).Describe(new("task_detail", Tag, "One task", typeof(TaskView))
        {
            Access = ApiAccess.Viewer,
            Fields = [ApiField.Text("task_id", TextRule.Name, required: true)],
        });
    }

    private const string Tag = "tasks";

    private static Task<IResult> List(HttpRequest http, TaskStore store, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var resourceId = request.Text("resource_id", TextRule.Name);
            var state = request.Choice("state", States);
            var paging = request.Paging();
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var (total, items) = await store.ListAsync(resourceId, state, paging.Offset, paging.PageSize, ct);
            return new PageOf<TaskView>(total, paging.PageNum, paging.PageSize, items.Select(TaskView.From).ToList());
        }, ct);

    private static Task<IResult> Detail(HttpRequest http, TaskStore store, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var taskId = request.Text("task_id", TextRule.Name, required: true);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            return await store.GetAsync(taskId!, ct) is { } task
                ? TaskView.From(task)
                : ApiError.NotFound(ApiErrorCode.TaskNotFound, "task", taskId!);
        }, ct);
}

/// <summary>A task as the console sees it; error_code is the REST code its failure answers with (null unless failed).</summary>
internal sealed record TaskView(
    string TaskId, string Kind, string ResourceId, string State, string Step, int Percent, string? Error, int? ErrorCode, int Attempts,
    long CreateTime, long UpdateTime, long? FinishTime)
{
    public static TaskView From(TaskRecord t) => new(t.TaskId, t.Kind, t.ResourceId, t.State, t.Step, t.Percent, t.Error, TaskFailureKinds.ApiCodeOf(t.ErrorCode), t.Attempts,
        Unix(t.CreatedAt), Unix(t.UpdatedAt), t.FinishedAt is { } f ? Unix(f) : null);

    private static long Unix(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeSeconds();
}

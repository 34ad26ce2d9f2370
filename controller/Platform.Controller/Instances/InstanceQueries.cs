using Platform.Controller.Api;
using Platform.Controller.Images;
using Platform.Controller.Tasks;

namespace Platform.Controller.Instances;

/// <summary>The instance's latest task, as /api/v1/instance/progress shows it; error_code is the REST code of its failure.</summary>
internal sealed record InstanceProgress(
    string InstanceId, string InstanceStatus, string TaskId, string Kind, string State, string Step, int Percent, string? Error, int? ErrorCode, long UpdatedAt);

internal sealed record InstanceDetail(InstanceView Instance, ImageView? Image, IReadOnlyList<InstanceVolume> Volumes, IReadOnlyList<InstanceNic> Nics);

internal sealed class InstanceQueries(InstanceStore instances, ImageStore images, TaskStore tasks)
{
    public async Task<PageOf<InstanceView>> SearchAsync(InstanceFilter filter, Paging paging, CancellationToken ct)
    {
        var (total, items) = await instances.SearchAsync(filter, paging.Offset, paging.PageSize, ct);
        if (items.Count == 0)
        {
            return new PageOf<InstanceView>(total, paging.PageNum, paging.PageSize, []);
        }
        var (volumes, nics) = await instances.DevicesOfAsync(items.Select(i => i.InstanceId).ToList(), ct);
        return new PageOf<InstanceView>(total, paging.PageNum, paging.PageSize,
            items.Select(i => InstanceView.From(i, volumes[i.InstanceId].ToList(), nics[i.InstanceId].ToList())).ToList());
    }

    public async Task<ApiResult<InstanceDetail>> DetailAsync(string instanceId, CancellationToken ct)
    {
        var instance = await instances.GetAsync(instanceId, ct);
        if (instance is null)
        {
            return ApiError.NotFound(ApiErrorCode.InstanceNotFound, "instance", instanceId);
        }
        var (volumes, nics) = await instances.DevicesOfAsync([instanceId], ct);
        var image = await images.GetAsync(instance.ImageId, ct);
        var view = InstanceView.From(instance, volumes[instanceId].ToList(), nics[instanceId].ToList());
        return new InstanceDetail(view, image is null ? null : ImageView.From(image), view.Volumes, view.Nics);
    }

    public async Task<ApiResult<InstanceProgress>> ProgressAsync(string? instanceId, string? taskId, CancellationToken ct)
    {
        var task = taskId is not null ? await tasks.GetAsync(taskId, ct) : await tasks.LatestForResourceAsync(instanceId!, ct);
        if (task is null || (instanceId is not null && task.ResourceId != instanceId))
        {
            return taskId is not null
                ? ApiError.NotFound(ApiErrorCode.TaskNotFound, "task", taskId)
                : await instances.GetAsync(instanceId!, ct) is null
                    ? ApiError.NotFound(ApiErrorCode.InstanceNotFound, "instance", instanceId!)
                    : ApiError.NotFound(ApiErrorCode.TaskNotFound, "task of instance", instanceId!);
        }
        var instance = await instances.GetAsync(task.ResourceId, ct);
        return new InstanceProgress(task.ResourceId, instance?.Status ?? "destroyed", task.TaskId, task.Kind, task.State, task.Step, task.Percent, task.Error,
            TaskFailureKinds.ApiCodeOf(task.ErrorCode),
            new DateTimeOffset(DateTime.SpecifyKind(task.UpdatedAt, DateTimeKind.Utc)).ToUnixTimeSeconds());
    }
}

using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;
using Platform.Controller.Audit;

namespace Platform.Controller.Volumes;

/// <summary>/api/v1/volume/*.</summary>
internal static class VolumeEndpoints
{
    public static void MapVolumeEndpoints(this IEndpointRouteBuilder app)
    {
        var volumes = app.MapGroup("/api/v1/volume");
        volumes.MapGet("/list", List).Describe(new("volume_list", Tag, "List volumes", typeof(PageOf<VolumeView>))
        {
            Access = ApiAccess.Viewer,
            Fields = [FilterName, .. ApiField.Paging],
        });
        volumes.MapPost("/create", Create).Describe(new("volume_create", Tag, "Create a volume (empty, or a clone of an image)", typeof(VolumeView))
        {
            Access = ApiAccess.Operator,
            Fields =
            [
                ApiField.Text("volume_name", TextRule.Name, required: true),
                ApiField.Integer("volume_size", SizeLimits.MinVolumeGiB, SizeLimits.MaxVolumeGiB, required: true) with { Description = "GiB" },
                ApiField.Text("describe", TextRule.Description),
                ApiField.ImageId("image_id", required: false) with { Description = "clone this image" },
            ],
        });
        volumes.MapPost("/mount", Mount).Describe(new("volume_mount", Tag, "Attach a volume to an instance", typeof(VolumeView)) { Access = ApiAccess.Operator, Fields = VolumeAndInstance });
        volumes.MapPost("/unmount", Unmount).Describe(new("volume_unmount", Tag, "Detach a volume from its instance", typeof(VolumeView)) { Access = ApiAccess.Operator, Fields = VolumeAndInstance });
        // The seed has delete as a GET: taken only when Security:AllowGetDeletes is set.
        volumes.MapMethods("/delete", LegacyDeletes.Methods(app), Delete)
            .Describe(new("volume_delete", Tag, "Delete a volume", typeof(VolumeView)) { Access = ApiAccess.Operator, Fields = [VolumeId] });
    }

    private const string Tag = "volumes";

    private static readonly ApiField FilterName = ApiField.Text("filter_name", TextRule.Description) with { Description = "part of the name" };

    private static readonly ApiField VolumeId = ApiField.Id("volume_id", ResourceIds.Volume);

    private static readonly IReadOnlyList<ApiField> VolumeAndInstance = [VolumeId, ApiField.Id("instance_id", ResourceIds.Instance)];

    private static async Task<IResult> List(HttpRequest http, VolumeStore volumes, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var filter = request.Text("filter_name", TextRule.Description);
            var paging = request.Paging();
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var (total, items) = await volumes.ListAsync(filter, paging.Offset, paging.PageSize, ct);
            return new PageOf<VolumeView>(total, paging.PageNum, paging.PageSize, items.Select(v => VolumeView.From(v)).ToList());
        }, ct);

    private static async Task<IResult> Create(HttpRequest http, VolumeUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var name = request.Text("volume_name", TextRule.Name, required: true);
            var size = request.Integer("volume_size", SizeLimits.MinVolumeGiB, SizeLimits.MaxVolumeGiB, required: true);
            var describe = request.Text("describe", TextRule.Description) ?? "";
            var imageId = request.ImageId("image_id", required: false);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var outcome = await useCases.CreateAsync(new CreateVolume(name!, (int)size!.Value, describe, imageId), Caller.Of(http), ct);
            return outcome.Error is { } error ? error : VolumeView.From(outcome.Value!);
        }, ct);

    private static async Task<IResult> Mount(HttpRequest http, VolumeUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var volumeId = request.Id("volume_id", ResourceIds.Volume);
            var instanceId = request.Id("instance_id", ResourceIds.Instance);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var outcome = await useCases.MountAsync(volumeId!, instanceId!, Caller.Of(http), ct);
            return outcome.Error is { } error ? error : VolumeView.From(outcome.Value!);
        }, ct);

    private static async Task<IResult> Unmount(HttpRequest http, VolumeUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var volumeId = request.Id("volume_id", ResourceIds.Volume);
            var instanceId = request.Id("instance_id", ResourceIds.Instance);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var outcome = await useCases.UnmountAsync(volumeId!, instanceId!, Caller.Of(http), ct);
            return outcome.Error is { } error ? error : VolumeView.From(outcome.Value!);
        }, ct);

    private static async Task<IResult> Delete(HttpRequest http, VolumeUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var volumeId = request.Id("volume_id", ResourceIds.Volume);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var outcome = await useCases.DeleteAsync(volumeId!, Caller.Of(http), ct);
            return outcome.Error is { } error ? error : VolumeView.From(outcome.Value!);
        }, ct);
}

/// <summary>A volume as the console sees it; task_id is set on the answer of an operation.</summary>
internal sealed record VolumeView(
    string VolumeId,
    string VolumeName,
    int VolumeSize,
    long CreateTime,
    string? InstanceId,
    string Status,
    string Describe,
    string? ImageId,
    string? Device,
    string? Error,
    string? TaskId)
{
    public static VolumeView From(VolumeRecord v, string? taskId = null) =>
        new(v.VolumeId, v.VolumeName, v.VolumeSize, v.CreateTime, v.InstanceId, v.Status, v.Describe, v.ImageId, v.Device, v.Error, taskId);

    public static VolumeView From(VolumeOutcome outcome) => From(outcome.Volume, outcome.TaskId);
}

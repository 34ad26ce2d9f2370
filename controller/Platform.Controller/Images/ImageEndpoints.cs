using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;
using Platform.Controller.Audit;

namespace Platform.Controller.Images;

/// <summary>/api/v1/images/* and /api/v1/unregister_images/list.</summary>
internal static class ImageEndpoints
{
    public static void MapImageEndpoints(this IEndpointRouteBuilder app)
    {
        var images = app.MapGroup("/api/v1/images");
        images.MapGet("/list", List).Describe(new("image_list", Tag, "List images", typeof(PageOf<ImageView>))
        {
            Access = ApiAccess.Viewer,
            Fields = [ApiField.Text("filter_name", TextRule.Description) with { Description = "part of the name" }, .. ApiField.Paging],
        });
        images.MapGet("/inspect", Inspect).Describe(new("image_inspect", Tag, "One image", typeof(ImageView)) { Access = ApiAccess.Viewer, Fields = [ImageId] });
        images.MapPost("/create", Create).Describe(new("image_create", Tag, "Create an empty image of a size", typeof(ImageView))
        {
            Access = ApiAccess.Operator,
            Fields =
            [
                ApiField.Text("image_name", TextRule.Name, required: true),
                ApiField.Integer("image_size", SizeLimits.MinImageBytes, SizeLimits.MaxImageBytes, required: true) with { Description = "bytes" },
                OsTypes.Describe(required: true),
                ApiField.Text("describe", TextRule.Description),
            ],
        });
        images.MapPost("/register", Register).Describe(new("image_register", Tag, "Register an RBD image already in the images pool", typeof(ImageView))
        {
            Access = ApiAccess.Operator,
            Fields =
            [
                ImageId,
                ApiField.Text("image_name", TextRule.Name, required: true),
                OsTypes.Describe(required: true),
                ApiField.Text("describe", TextRule.Description),
                ApiField.Integer("image_size", 0, long.MaxValue) with { Description = "accepted and ignored: the size of record is the RBD image's own" },
            ],
        });
        images.MapPost("/update", Update).Describe(new("image_update", Tag, "Rename or re-describe an image", typeof(ImageView))
        {
            Access = ApiAccess.Operator,
            Description = "Give at least one of image_name, describe, os_type.",
            Fields = [ImageId, ApiField.Text("image_name", TextRule.Name), ApiField.Text("describe", TextRule.Description), OsTypes.Describe()],
        });
        images.MapPost("/delete", Delete).Describe(new("image_delete", Tag, "Delete an image", typeof(ImageView))
        {
            Access = ApiAccess.Operator,
            Fields = [ImageId, ApiField.Boolean("del_file") with { Description = "also delete the RBD image" }],
        });
        app.MapGet("/api/v1/unregister_images/list", ListUnregistered)
            .Describe(new("unregistered_image_list", Tag, "RBD images of the pool that images/register accepts", typeof(UnregisteredPage)) { Access = ApiAccess.Viewer, Fields = ApiField.Paging });
    }

    private const string Tag = "images";

    private static readonly ApiField ImageId = ApiField.ImageId("image_id");

    private static async Task<IResult> List(HttpRequest http, ImageStore images, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var filter = request.Text("filter_name", TextRule.Description);
            var paging = request.Paging();
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var (total, items) = await images.ListAsync(filter, paging.Offset, paging.PageSize, ct);
            return new PageOf<ImageView>(total, paging.PageNum, paging.PageSize, items.Select(ImageView.From).ToList());
        }, ct);

    private static async Task<IResult> Inspect(HttpRequest http, ImageUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var imageId = request.ImageId("image_id");
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var image = await useCases.GetAsync(imageId!, ct);
            return image.Error is { } error ? error : ImageView.From(image.Value!);
        }, ct);

    private static async Task<IResult> Create(HttpRequest http, ImageUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var name = request.Text("image_name", TextRule.Name, required: true);
            var size = request.Integer("image_size", SizeLimits.MinImageBytes, SizeLimits.MaxImageBytes, required: true);
            var osType = OsTypes.Read(request, required: true);
            var describe = request.Text("describe", TextRule.Description) ?? "";
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var image = await useCases.CreateAsync(new CreateImage(name!, size!.Value, osType!, describe), Caller.Of(http), ct);
            return image.Error is { } error ? error : ImageView.From(image.Value!);
        }, ct);

    private static async Task<IResult> Register(HttpRequest http, ImageUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var imageId = request.ImageId("image_id");
            var name = request.Text("image_name", TextRule.Name, required: true);
            var osType = OsTypes.Read(request, required: true);
            var describe = request.Text("describe", TextRule.Description) ?? "";
            // The seed sends image_size too; the size of record is the RBD image's own.
            request.Integer("image_size", 0, long.MaxValue);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var image = await useCases.RegisterAsync(new RegisterImage(imageId!, name!, osType!, describe), Caller.Of(http), ct);
            return image.Error is { } error ? error : ImageView.From(image.Value!);
        }, ct);

    private static async Task<IResult> Update(HttpRequest http, ImageUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var imageId = request.ImageId("image_id");
            var name = request.Text("image_name", TextRule.Name);
            var describe = request.Text("describe", TextRule.Description);
            var osType = OsTypes.Read(request);
            if (request.IsValid && name is null && describe is null && osType is null)
            {
                request.AddError("image_name", "give at least one of image_name, describe, os_type");
            }
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var image = await useCases.UpdateAsync(imageId!, name, describe, osType, Caller.Of(http), ct);
            return image.Error is { } error ? error : ImageView.From(image.Value!);
        }, ct);

    private static async Task<IResult> Delete(HttpRequest http, ImageUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var imageId = request.ImageId("image_id");
            var deleteFile = request.Boolean("del_file") ?? false;
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var image = await useCases.DeleteAsync(imageId!, deleteFile, Caller.Of(http), ct);
            return image.Error is { } error ? error : ImageView.From(image.Value!);
        }, ct);

    private static async Task<IResult> ListUnregistered(HttpRequest http, ImageUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var paging = request.Paging();
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var unregistered = await useCases.ListUnregisteredAsync(ct);
            if (unregistered.Error is { } error)
            {
                return error;
            }
            var (offered, refused) = unregistered.Value!;
            return new UnregisteredPage(offered.Count, paging.PageNum, paging.PageSize, offered.Skip(paging.Offset).Take(paging.PageSize).ToList(), refused);
        }, ct);
}

/// <summary>An image as the console sees it; image_location is where qemu-img finds it (<c>rbd:images/ID</c>).</summary>
internal sealed record ImageView(
    string ImageId, string ImageName, string ImageLocation, long ImageSize, string OsType, string Describe, string Status, string? Error, long CreateTime)
{
    public static ImageView From(ImageRecord r) =>
        new(r.ImageId, r.ImageName, ImageLocations.Of(r.ImageId), r.ImageSize, r.OsType, r.Describe, r.Status, r.Error, r.CreateTime);
}

/// <summary>
/// A page of unregister_images/list: items are what images/register accepts; not_registrable
/// lists the pool's other images (all of them, not paged) with the reason.
/// </summary>
internal sealed record UnregisteredPage(
    long Total, int PageNum, int PageSize, IReadOnlyList<UnregisteredImage> Items, IReadOnlyList<UnregistrableImage> NotRegistrable);

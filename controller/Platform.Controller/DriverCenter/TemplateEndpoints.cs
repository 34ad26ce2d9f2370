using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;
using Platform.Controller.Audit;

namespace Platform.Controller.DriverCenter;

/// <summary>/thor/voi/image_relate_drive and the template lists /thor/image/1 and /thor/image/2.</summary>
internal static class TemplateEndpoints
{
    private const int MaxTemplatesPerCall = 100;

    public static void MapTemplateEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/thor/voi/image_relate_drive", Get).Describe(new("template_drivers_get", Tag, "The drivers of templates, and every driver to offer", typeof(TemplateDriversAnswer), SuccessShape.Whole)
        {
            Access = ApiAccess.Viewer,
            Fields = [ApiField.ImageIds("ids", MaxTemplatesPerCall, required: true) with { Description = "template (image) ids, at least one; also the array as JSON text" }],
        });
        app.MapPost("/thor/voi/image_relate_drive", Relate).Describe(new("template_drivers_relate", Tag, "Set or clear a template's drivers", typeof(TemplateDrivers))
        {
            Access = ApiAccess.Operator,
            Fields =
            [
                ApiField.ImageId("id"),
                ApiField.Scalar("universal_driver_id") with { Description = "a driver id; null, 0 or \"\" clears it; absent leaves it" },
                ApiField.Scalar("extractive_driver_id") with { Description = "a driver id; null, 0 or \"\" clears it; absent leaves it" },
            ],
        });
        // The seed's console has two template lists; the platform has one kind of template (its
        // images), so both list them all.
        app.MapGet("/thor/image/1", ListTemplates).Describe(new("template_list_1", Tag, "The templates (the seed's first list)", typeof(IReadOnlyList<TemplateRecord>)) { Access = ApiAccess.Viewer });
        app.MapGet("/thor/image/2", ListTemplates).Describe(new("template_list_2", Tag, "The templates (the seed's second list: the same)", typeof(IReadOnlyList<TemplateRecord>)) { Access = ApiAccess.Viewer });
    }

    private const string Tag = "templates";

    /// <summary>
    /// The seed's shape: the template's universal_driver_id and extractive_driver_id beside the
    /// code, every driver (to offer) in data; with several ids, each template's in templates.
    /// </summary>
    private static Task<IResult> Get(HttpRequest http, TemplateDriverUseCases useCases, SystemDriverStore drivers, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            var ids = request.ImageIds("ids", MaxTemplatesPerCall, required: true);
            if (request.IsValid && ids.Count == 0)
            {
                request.AddError("ids", "must list at least one template id");
            }
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var relations = await useCases.GetAsync(ids, ct);
            if (relations.Error is { } error)
            {
                return error;
            }
            var templates = relations.Value!;
            var available = (await drivers.ListAsync(ct)).Where(d => d.Status == "available")
                .Select(d => new OfferedDriver(d.Id, d.Name, DriverEnvironments.NameOf(d.OsType), d.Type)).ToList();
            return Results.Json(new TemplateDriversAnswer(0, "ok", templates[0].UniversalDriverId, templates[0].ExtractiveDriverId, available, templates));
        }, ct);

    private static Task<IResult> Relate(HttpRequest http, TemplateDriverUseCases useCases, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            var imageId = request.ImageId("id");
            var universal = ReadDriverId(request, "universal_driver_id");
            var extractive = ReadDriverId(request, "extractive_driver_id");
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var current = await useCases.GetAsync([imageId!], ct);
            if (current.Error is { } notFound)
            {
                return notFound;
            }
            var before = current.Value![0];
            var change = await useCases.RelateAsync(imageId!,
                universal.Sent ? universal.Id : before.UniversalDriverId,
                extractive.Sent ? extractive.Id : before.ExtractiveDriverId,
                Caller.Of(http), ct);
            return change.Error is { } error ? error : VoiEnvelope.Data(change.Value!.Drivers);
        }, ct);

    private static Task<IResult> ListTemplates(HttpRequest http, TemplateDriverStore templates, CancellationToken ct) =>
        VoiCall.RunAsync(http, async _ => VoiEnvelope.Data(await templates.ListTemplatesAsync(ct)), ct);

    /// <summary>A driver id to set (a number), to clear (null, 0 or ""), or not sent (unchanged).</summary>
    private static (bool Sent, long? Id) ReadDriverId(ApiRequest request, string field)
    {
        if (!request.Sent(field))
        {
            return (false, null);
        }
        var text = request.Scalar(field);
        if (text is null or "" or "0")
        {
            return (true, null);
        }
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) || id < 1)
        {
            request.AddError(field, "must be a driver id, or null/0 to clear it");
            return (true, null);
        }
        return (true, id);
    }
}

/// <summary>A driver a template can be given: id, name, its environment's name, universal (1) or extracted (2).</summary>
internal sealed record OfferedDriver(long Id, string Name, string OsType, short Type);

/// <summary>
/// The answer of GET /thor/voi/image_relate_drive in the seed's shape: the first template's
/// driver ids beside the code, the drivers to offer in data, every asked template's in templates.
/// </summary>
internal sealed record TemplateDriversAnswer(
    int Code, string Message, long? UniversalDriverId, long? ExtractiveDriverId, IReadOnlyList<OfferedDriver> Data, IReadOnlyList<TemplateDrivers> Templates);

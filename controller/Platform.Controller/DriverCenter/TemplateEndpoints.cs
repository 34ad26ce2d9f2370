using Platform.Controller.Api;
using Platform.Controller.Audit;

namespace Platform.Controller.DriverCenter;

/// <summary>/thor/voi/image_relate_drive and the template lists /thor/image/1 and /thor/image/2.</summary>
internal static class TemplateEndpoints
{
    private const int MaxTemplatesPerCall = 100;

    public static void MapTemplateEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/thor/voi/image_relate_drive", Get);
        app.MapPost("/thor/voi/image_relate_drive", Relate);
        // The seed's console has two template lists; the platform has one kind of template (its
        // images), so both list them all.
        app.MapGet("/thor/image/1", ListTemplates);
        app.MapGet("/thor/image/2", ListTemplates);
    }

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
                .Select(d => new { d.Id, d.Name, OsType = DriverEnvironments.NameOf(d.OsType), d.Type }).ToList();
            return Results.Json(new
            {
                Code = 0,
                Message = "ok",
                templates[0].UniversalDriverId,
                ExtractiveDriverId = templates[0].ExtractiveDriverId,
                Data = available,
                Templates = templates,
            });
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

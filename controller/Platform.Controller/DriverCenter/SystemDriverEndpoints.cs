using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;
using Platform.Controller.Audit;

namespace Platform.Controller.DriverCenter;

/// <summary>/thor/voi/driver and /thor/voi/driver/upload: the system drivers page.</summary>
internal static class SystemDriverEndpoints
{
    /// <summary>Most drivers one delete takes.</summary>
    private const int MaxIdsPerCall = 1000;

    public static void MapSystemDriverEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/thor/voi/driver", List).Describe(new("system_driver_list", Tag, "List the system drivers", typeof(IReadOnlyList<SystemDriverView>)) { Access = ApiAccess.Viewer });
        app.MapPost("/thor/voi/driver", Delete).Describe(new("system_driver_delete", Tag, "Delete system drivers", typeof(DriverDeletion))
        {
            Access = ApiAccess.Operator,
            Fields =
            [
                ApiField.Choice("action", ["delete"], required: true),
                ApiField.Numbers("ids", 1, long.MaxValue, MaxIdsPerCall, required: true) with { Description = "at least one; in a form also the array as JSON text" },
            ],
        });
        app.MapPut("/thor/voi/driver", Update).Describe(new("system_driver_update", Tag, "Rename, re-describe or re-target a system driver", typeof(SystemDriverView))
        {
            Access = ApiAccess.Operator,
            Description = "Give at least one of name, os_type (environment), describe.",
            Fields = [ApiField.Integer("id", 1, long.MaxValue, required: true), ApiField.Text("name", TextRule.Name), DriverEnvironments.Field, ApiField.Text("describe", TextRule.Description)],
        });
        app.MapPost("/thor/voi/driver/upload", Upload).Describe(new("system_driver_upload", Tag, "Upload a system driver", typeof(IReadOnlyList<SystemDriverView>))
        {
            Access = ApiAccess.Operator,
            Upload = true,
            Fields = DriverUploads.Fields,
        });
    }

    private const string Tag = "system-drivers";

    private static Task<IResult> List(HttpRequest http, SystemDriverStore drivers, CancellationToken ct) =>
        VoiCall.RunAsync(http, async _ => VoiEnvelope.Data((await drivers.ListAsync(ct)).Select(SystemDriverView.From).ToList()), ct);

    private static Task<IResult> Delete(HttpRequest http, SystemDriverUseCases useCases, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            request.Choice("action", ["delete"], required: true);
            var ids = request.Numbers("ids", 1, long.MaxValue, MaxIdsPerCall, required: true);
            if (request.IsValid && ids.Count == 0)
            {
                request.AddError("ids", "must list at least one driver id");
            }
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var deletion = await useCases.DeleteAsync(ids, Caller.Of(http), ct);
            return deletion.Error is { } error ? error : VoiEnvelope.Data(deletion.Value);
        }, ct);

    private static Task<IResult> Update(HttpRequest http, SystemDriverUseCases useCases, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            var id = request.Integer("id", 1, long.MaxValue, required: true);
            var name = request.Text("name", TextRule.Name);
            var osType = DriverEnvironments.Read(request);
            var describe = request.Text("describe", TextRule.Description);
            if (request.IsValid && name is null && osType is null && describe is null)
            {
                request.AddError("name", "give at least one of name, environment (os_type), describe");
            }
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var driver = await useCases.UpdateAsync(id!.Value, name, osType, describe, Caller.Of(http), ct);
            return driver.Error is { } error ? error : VoiEnvelope.Data(SystemDriverView.From(driver.Value!));
        }, ct);

    private static Task<IResult> Upload(HttpRequest http, SystemDriverUseCases useCases, StagedUploads uploads, CancellationToken ct) =>
        DriverUploads.ReceiveAsync(http, uploads, new DriverUploadTarget(SystemDriverUseCases.CheckFileName, async (upload, staged) =>
        {
            var driver = await useCases.ImportAsync(upload, staged, Caller.Of(http), ct);
            return driver.Error is { } error ? ApiEnvelope.Fail(error) : VoiEnvelope.Data(new[] { SystemDriverView.From(driver.Value!) });
        }), ct);
}

/// <summary>A system driver as the seed's console lists it (create_at in Unix seconds).</summary>
internal sealed record SystemDriverView(
    long Id, string Name, string Describe, short OsType, string Environment, short Type, int TplNum, long Size, int Files, string Status, long CreateAt)
{
    public static SystemDriverView From(SystemDriverRecord d) =>
        new(d.Id, d.Name, d.Describe, d.OsType, DriverEnvironments.NameOf(d.OsType), d.Type, d.TplNum, d.Size, d.Files, d.Status, d.CreateAt);
}

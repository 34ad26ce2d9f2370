using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;
using Platform.Controller.Audit;

namespace Platform.Controller.DriverCenter;

/// <summary>/thor/voi/driver/mount: the driver disk's state, save, restore and the auto-update switch.</summary>
internal static class DriverDiskEndpoints
{
    public static void MapDriverDiskEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/thor/voi/driver/mount", Get).Describe(new("driver_disk_get", Tag, "The driver disk's state", typeof(MountView), SuccessShape.Result) { Access = ApiAccess.Viewer });
        app.MapPost("/thor/voi/driver/mount", Change).Describe(new("driver_disk_change", Tag, "Save or restore the driver disk, or switch auto-update", typeof(MountView), SuccessShape.Result)
        {
            Access = ApiAccess.Operator,
            Description = "Exactly one of: is_mounted false (save), is_init true (restore), is_auto_update.",
            Fields = [ApiField.Boolean("is_mounted"), ApiField.Boolean("is_init"), ApiField.Boolean("is_auto_update")],
        });
    }

    private const string Tag = "driver-disk";

    private static Task<IResult> Get(HttpRequest http, DriverDiskUseCases useCases, CancellationToken ct) =>
        VoiCall.RunAsync(http, async _ =>
        {
            var state = await useCases.GetAsync(ct);
            return state.Error is { } error ? error : VoiEnvelope.Result(state.Value);
        }, ct);

    /// <summary>
    /// One change per call, as the seed's console sends them: <c>{"is_mounted": false}</c> saves,
    /// <c>{"is_init": true}</c> restores, <c>{"is_auto_update": bool}</c> switches auto-update.
    /// </summary>
    private static Task<IResult> Change(HttpRequest http, DriverDiskUseCases useCases, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            var isMounted = request.Boolean("is_mounted");
            var isInit = request.Boolean("is_init");
            var isAutoUpdate = request.Boolean("is_auto_update");
            var given = new[] { isMounted is not null, isInit is not null, isAutoUpdate is not null }.Count(g => g);
            if (request.IsValid && given != 1)
            {
                request.AddError("is_mounted", "give exactly one of is_mounted (false: save), is_init (true: restore), is_auto_update");
            }
            if (isMounted == true)
            {
                request.AddError("is_mounted", "only false (save) is accepted: the driver disk is always mounted for editing");
            }
            if (isInit == false)
            {
                request.AddError("is_init", "only true (restore) is accepted");
            }
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var caller = Caller.Of(http);
            var state = isMounted is not null ? await useCases.SaveAsync(caller, ct)
                : isInit is not null ? await useCases.RestoreAsync(caller, ct)
                : await useCases.SetAutoUpdateAsync(isAutoUpdate!.Value, caller, ct);
            return state.Error is { } error ? error : VoiEnvelope.Result(state.Value);
        }, ct);
}

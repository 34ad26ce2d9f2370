using Platform.Controller.Audit;
using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;
using Platform.Controller.Idempotency;

namespace Platform.Controller.DriverCenter;

/// <summary>
/// The console's side of distribution: terminals, which printers each receives, telling chosen
/// terminals to update (the seed's notifyupdatehgdrive) and whether any is downloading (its
/// checkallclient_isupdatestatus).
/// </summary>
internal static class TerminalConsoleEndpoints
{
    private const int MaxIdsPerCall = 1000;

    public static void MapTerminalConsoleEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/thor/voi/terminal", List).Describe(new("terminal_list", Tag, "List the terminals", typeof(IReadOnlyList<TerminalRecord>)) { Access = ApiAccess.Viewer });
        app.MapPost("/thor/voi/terminal", Delete).Describe(new("terminal_delete", Tag, "Delete terminals", typeof(IdList))
        {
            Access = ApiAccess.Operator,
            Fields = [ApiField.Choice("action", ["delete"], required: true), TerminalIds],
        });
        app.MapPost("/thor/voi/terminal/notify", Notify).Describe(new("terminal_notify", Tag, "Tell terminals to update on their next poll", typeof(NotifiedTerminals))
        {
            Access = ApiAccess.Operator,
            Fields = [TerminalIds],
        });
        app.MapGet("/thor/voi/terminal/update_status", UpdateStatus)
            .Describe(new("terminal_update_status", Tag, "Whether any terminal is downloading (is_send_task 1)", typeof(DownloadingStatus)) { Access = ApiAccess.Viewer });
        app.MapPost("/thor/voi/printer/terminals", Assign).Describe(new("printer_assign_terminals", "printers", "Give a printer driver to exactly these terminals", typeof(PrinterView), SuccessShape.Result)
        {
            Access = ApiAccess.Operator,
            Fields =
            [
                ApiField.Integer("id", 1, long.MaxValue, required: true),
                ApiField.Numbers("terminal_ids", 1, long.MaxValue, MaxIdsPerCall, required: true) with { Description = "an empty list unassigns it everywhere" },
            ],
        });
    }

    private const string Tag = "terminals";

    private static readonly ApiField TerminalIds =
        ApiField.Numbers("ids", 1, long.MaxValue, MaxIdsPerCall, required: true) with { Description = "at least one terminal id; in a form also the array as JSON text" };

    private static Task<IResult> List(HttpRequest http, TerminalStore terminals, CancellationToken ct) =>
        VoiCall.RunAsync(http, async _ => VoiEnvelope.Data(await terminals.ListAsync(ct)), ct);

    private static Task<IResult> Delete(HttpRequest http, TerminalStore terminals, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            request.Choice("action", ["delete"], required: true);
            var ids = ReadIds(request, "ids");
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            if (await terminals.MissingAsync(ids, ct) is { Count: > 0 } missing)
            {
                return ApiError.NotFound(ApiErrorCode.TerminalNotFound, "terminal", string.Join(", ", missing));
            }
            await terminals.DeleteAsync(ids, Caller.Of(http), ct);
            return VoiEnvelope.Data(new IdList(ids));
        }, ct);

    /// <summary>Tells the terminals to update to the current version on their next poll, auto-update or not.</summary>
    private static Task<IResult> Notify(HttpRequest http, TerminalStore terminals, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            var ids = ReadIds(request, "ids");
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            if (await terminals.MissingAsync(ids, ct) is { Count: > 0 } missing)
            {
                return ApiError.NotFound(ApiErrorCode.TerminalNotFound, "terminal", string.Join(", ", missing));
            }
            var nodes = await terminals.NodesAsync(ct);
            var version = nodes.FirstOrDefault(n => n.IsBase)?.ToVersion ?? 0;
            await terminals.NotifyAsync(ids, version, RequestOutcome.Of(http.HttpContext), ct);
            return VoiEnvelope.Data(new NotifiedTerminals(ids, version));
        }, ct);

    private static Task<IResult> UpdateStatus(HttpRequest http, DriverCenterStore center, DriverCenterHost host, CancellationToken ct) =>
        VoiCall.RunAsync(http, async _ =>
            VoiEnvelope.Data(new DownloadingStatus(await center.CountDownloadingAsync(host.Options.DownloadStaleAfter, ct) > 0 ? 1 : 0)), ct);

    /// <summary>The printer goes to exactly these terminals (an empty list unassigns it everywhere).</summary>
    private static Task<IResult> Assign(HttpRequest http, TerminalStore terminals, PrinterStore printers, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            var id = request.Integer("id", 1, long.MaxValue, required: true);
            var terminalIds = request.Numbers("terminal_ids", 1, long.MaxValue, MaxIdsPerCall, required: true);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            if (await printers.GetAsync(id!.Value, ct) is not { Status: "available" })
            {
                return DriverCenterErrors.PrinterNotFound("id", $"printer driver {id} does not exist");
            }
            if (await terminals.MissingAsync(terminalIds, ct) is { Count: > 0 } missing)
            {
                return ApiError.NotFound(ApiErrorCode.TerminalNotFound, "terminal", string.Join(", ", missing));
            }
            await terminals.AssignAsync(id.Value, terminalIds, RequestOutcome.Of(http.HttpContext), ct);
            return VoiEnvelope.Result(PrinterView.From((await printers.GetAsync(id.Value, ct))!));
        }, ct);

    private static IReadOnlyList<long> ReadIds(ApiRequest request, string field)
    {
        var ids = request.Numbers(field, 1, long.MaxValue, MaxIdsPerCall, required: true);
        if (request.IsValid && ids.Count == 0)
        {
            request.AddError(field, "must list at least one terminal id");
        }
        return ids;
    }
}

/// <summary>The terminals told to update, and the version they will update to.</summary>
internal sealed record NotifiedTerminals(IReadOnlyList<long> Ids, long Version);

/// <summary>The seed's checkallclient_isupdatestatus: 1 while any terminal downloads, else 0.</summary>
internal sealed record DownloadingStatus(int IsSendTask);

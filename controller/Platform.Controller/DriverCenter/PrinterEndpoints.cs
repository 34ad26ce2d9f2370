using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;
using Platform.Controller.Audit;

namespace Platform.Controller.DriverCenter;

/// <summary>/thor/voi/printer: printer drivers, their public config, duplicates.</summary>
internal static class PrinterEndpoints
{
    private const int MaxIdsPerCall = 1000;

    public static void MapPrinterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/thor/voi/printer", List).Describe(new("printer_list", Tag, "List the printer drivers", typeof(IReadOnlyList<PrinterView>), SuccessShape.Result) { Access = ApiAccess.Viewer });
        app.MapPost("/thor/voi/printer", Delete).Describe(new("printer_delete", Tag, "Delete printer drivers", typeof(IdList), SuccessShape.Result)
        {
            Access = ApiAccess.Operator,
            Fields =
            [
                ApiField.Choice("action", ["delete"], required: true),
                ApiField.Numbers("ids", 1, long.MaxValue, MaxIdsPerCall, required: true) with { Description = "at least one; in a form also the array as JSON text" },
            ],
        });
        app.MapPut("/thor/voi/printer", Update).Describe(new("printer_update", Tag, "Rename or re-describe a printer driver", typeof(PrinterView), SuccessShape.Result)
        {
            Access = ApiAccess.Operator,
            Description = "Give at least one of name, describe.",
            Fields = [PrinterId, ApiField.Text("name", TextRule.Name), ApiField.Text("describe", TextRule.Description)],
        });
        app.MapPost("/thor/voi/printer/upload", Upload).Describe(new("printer_upload", Tag, "Upload a printer driver", typeof(IReadOnlyList<PrinterView>), SuccessShape.Result)
        {
            Access = ApiAccess.Operator,
            Upload = true,
            Fields = DriverUploads.Fields,
        });
        app.MapPost("/thor/voi/printer/config", Configure).Describe(new("printer_configure", Tag, "Edit a printer driver's public config", typeof(PrinterView), SuccessShape.Result)
        {
            Access = ApiAccess.Operator,
            Fields = [PrinterId, ApiField.Scalar("file_name") with { Description = $"only {PrinterConfig.FileName}" }, .. PrinterConfig.Fields],
        });
        app.MapPost("/thor/voi/printer/duplicate", Duplicate).Describe(new("printer_duplicate", Tag, "Copy a printer driver", typeof(IReadOnlyList<PrinterView>), SuccessShape.Result)
        {
            Access = ApiAccess.Operator,
            Fields = [PrinterId],
        });
    }

    private const string Tag = "printers";

    private static readonly ApiField PrinterId = ApiField.Integer("id", 1, long.MaxValue, required: true);

    private static Task<IResult> List(HttpRequest http, PrinterStore printers, CancellationToken ct) =>
        VoiCall.RunAsync(http, async _ => VoiEnvelope.Result((await printers.ListAsync(ct)).Select(PrinterView.From).ToList()), ct);

    private static Task<IResult> Upload(HttpRequest http, PrinterUseCases useCases, StagedUploads uploads, CancellationToken ct) =>
        DriverUploads.ReceiveAsync(http, uploads, new DriverUploadTarget(PrinterUseCases.CheckFileName, async (upload, staged) =>
        {
            var printer = await useCases.ImportAsync(upload, staged, null, Caller.Of(http), ct);
            return printer.Error is { } error ? ApiEnvelope.Fail(error) : VoiEnvelope.Result(new[] { PrinterView.From(printer.Value!) });
        }), ct);

    private static Task<IResult> Update(HttpRequest http, PrinterUseCases useCases, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            var id = request.Integer("id", 1, long.MaxValue, required: true);
            var name = request.Text("name", TextRule.Name);
            var describe = request.Text("describe", TextRule.Description);
            if (request.IsValid && name is null && describe is null)
            {
                request.AddError("name", "give at least one of name, describe");
            }
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var printer = await useCases.UpdateAsync(id!.Value, name, describe, Caller.Of(http), ct);
            return printer.Error is { } error ? error : VoiEnvelope.Result(PrinterView.From(printer.Value!));
        }, ct);

    /// <summary>
    /// The seed's config edit (type, paper, duplex_print, ip, accounts, password, port): only the
    /// public config file may be named (<c>file_name</c>, optional).
    /// </summary>
    private static Task<IResult> Configure(HttpRequest http, PrinterUseCases useCases, PrinterStore printers, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            var id = request.Integer("id", 1, long.MaxValue, required: true);
            var fileName = request.Scalar("file_name");
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            if (fileName is not null && fileName != PrinterConfig.FileName)
            {
                return DriverCenterErrors.NotPublicConfigFile("file_name", $"only {PrinterConfig.FileName} can be edited");
            }
            var printer = await printers.GetAsync(id!.Value, ct);
            if (printer is null || printer.Status != "available")
            {
                return DriverCenterErrors.PrinterNotFound("id", $"printer driver {id} does not exist");
            }
            var (config, password) = PrinterConfig.Read(request, printer.PublicConfig);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var configured = await useCases.ConfigureAsync(printer, config!, password, Caller.Of(http), ct);
            return configured.Error is { } error ? error : VoiEnvelope.Result(PrinterView.From(configured.Value!));
        }, ct);

    private static Task<IResult> Duplicate(HttpRequest http, PrinterUseCases useCases, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            var id = request.Integer("id", 1, long.MaxValue, required: true);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var copy = await useCases.DuplicateAsync(id!.Value, Caller.Of(http), ct);
            return copy.Error is { } error ? error : VoiEnvelope.Result(new[] { PrinterView.From(copy.Value!) });
        }, ct);

    private static Task<IResult> Delete(HttpRequest http, PrinterUseCases useCases, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            request.Choice("action", ["delete"], required: true);
            var ids = request.Numbers("ids", 1, long.MaxValue, MaxIdsPerCall, required: true);
            if (request.IsValid && ids.Count == 0)
            {
                request.AddError("ids", "must list at least one printer driver id");
            }
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var deleted = await useCases.DeleteAsync(ids, Caller.Of(http), ct);
            return deleted.Error is { } error ? error : VoiEnvelope.Result(new IdList(deleted.Value!));
        }, ct);
}

/// <summary>A printer driver as the console lists it: the seed's fields and the public config; never the password.</summary>
internal sealed record PrinterView(
    long Id, string Name, string Environment, short Type, short UploadType, string Describe, long CreateAt, string? ClientName, string? ClientMac, int ClientNums,
    long Size, int Files, string Status, string? Paper, int? DuplexPrint, string? Ip, string? Accounts, int? Port, bool HasPassword)
{
    public static PrinterView From(PrinterRecord p)
    {
        var config = p.PublicConfig;
        return new(p.Id, p.Name, p.Environment, p.Type, p.UploadType, p.Describe, p.CreateAt, p.ClientName, p.ClientMac, p.ClientNums, p.Size, p.Files, p.Status,
            config.Paper, config.DuplexPrint, config.Ip, config.Accounts, config.Port, p.PasswordProtected is not null);
    }
}

/// <summary>The ids a call acted on: <c>{"ids": […]}</c>.</summary>
internal sealed record IdList(IReadOnlyList<long> Ids);

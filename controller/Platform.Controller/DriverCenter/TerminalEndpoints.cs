using Microsoft.Net.Http.Headers;
using Platform.Controller.Agents;
using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;
using Platform.Controller.Idempotency;
using Platform.Controller.Audit;
using Platform.Controller.Tasks;

namespace Platform.Controller.DriverCenter;

/// <summary>
/// The terminal-facing API (the seed's tool-disk sync): registration, the manifest (long-poll),
/// ranged resumable downloads streamed from the driver-center host, state reports, printer
/// uploads. Every call but a first registration carries the terminal's token (<c>Authorization: Bearer</c>);
/// a first registration carries an operator's credentials or a terminal-enrollment token.
/// </summary>
internal static class TerminalEndpoints
{
    private const int MaxWaitSeconds = 60;

    public static void MapTerminalEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/thor/voi/terminal/register", Register).Describe(new("terminal_register", Tag, "Register a terminal by MAC; answers its token once", typeof(TerminalRegistration))
        {
            Access = ApiAccess.TerminalRegistration,
            Description = $"A new terminal is registered with an operator's credentials or a {UserRoles.TerminalEnrollment} token (what terminals' install media carry). "
                + "A registered MAC is registered again only with that terminal's current token, or after the console deleted it.",
            Fields = [ApiField.Text("name", TextRule.Name, required: true), ApiField.Text("mac", MacRule, required: true) with { Description = "52:54:00:12:34:56 or 52-54-00-12-34-56" }],
        });
        app.MapGet("/thor/voi/terminal/manifest", Manifest).Describe(new("terminal_manifest", Tag, "The driver disk manifest (long-poll with wait and known_version)", typeof(TerminalManifest))
        {
            Access = ApiAccess.Terminal,
            Fields = [ApiField.Integer("wait", 0, MaxWaitSeconds) with { Description = "seconds to wait for a version newer than known_version" }, ApiField.Integer("known_version", 0, long.MaxValue)],
        });
        app.MapPost("/thor/voi/terminal/state", Report).Describe(new("terminal_report_state", Tag, "Report the terminal's tool-disk version and whether it downloads", typeof(TerminalRecord))
        {
            Access = ApiAccess.Terminal,
            Fields = [ApiField.Integer("tool_disk_version", 0, long.MaxValue, required: true), ApiField.Boolean("is_downloading", required: true)],
        });
        app.MapMethods(TerminalManifests.FilesPath + "{name}", [HttpMethods.Get, HttpMethods.Head], Download)
            .Describe(new("terminal_file_download", Tag, "A file of the current manifest, whole or one byte range (Range, If-Range); ETag is its md5", null, SuccessShape.File)
            {
                Access = ApiAccess.Terminal,
            });
        app.MapPost("/thor/voi/terminal/printer/upload", UploadPrinter).Describe(new("terminal_printer_upload", Tag, "Upload a printer driver from a terminal", typeof(IReadOnlyList<PrinterView>), SuccessShape.Result)
        {
            Access = ApiAccess.Terminal,
            Upload = true,
            Fields = DriverUploads.Fields,
        });
    }

    private const string Tag = "terminals";

    private static readonly TextRule MacRule = new(17, NameCharactersOnly: true, AllowEmpty: false);

    /// <summary>
    /// Registers a terminal by MAC and answers its token, once: keep it. A new MAC needs an
    /// operator's credentials or an enrollment token; a known MAC needs that terminal's current
    /// token (or the console deletes the terminal first), so one terminal cannot take over another.
    /// </summary>
    [AnswerHoldsSecret]
    private static Task<IResult> Register(HttpRequest http, TerminalStore terminals, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            var name = request.Text("name", TextRule.Name, required: true);
            var mac = request.Text("mac", MacRule, required: true);
            if (mac is not null && !System.Text.RegularExpressions.Regex.IsMatch(mac, "^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$"))
            {
                request.AddError("mac", "must be a MAC address such as 52:54:00:12:34:56");
            }
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var normalizedMac = mac!.Replace('-', ':').ToLowerInvariant();
            string? current = null;
            if (Principals.KindOf(http.HttpContext.User) == SignInKind.Terminal)
            {
                // A terminal renews only its own registration: its token names it, not the request.
                var caller = await AuthenticateAsync(http, terminals, ct);
                if (caller is null || !string.Equals(caller.Mac, normalizedMac, StringComparison.OrdinalIgnoreCase))
                {
                    return new ApiError(ApiErrorCode.Forbidden, $"a terminal's token registers only its own MAC ({caller?.Mac}), not {normalizedMac}");
                }
                current = TerminalStore.HashOf(BearerToken(http)!);
            }
            var token = TerminalStore.NewToken();
            var audit = new AuditEvent(AuditActions.TerminalRegister, "", Caller.Of(http), new { name, mac = normalizedMac });
            var terminal = await terminals.RegisterAsync(name!, normalizedMac, TerminalStore.HashOf(token), current, audit, ct);
            return terminal is null
                ? new ApiError(ApiErrorCode.AlreadyExists, $"terminal {mac} is registered; registering it again needs its current token (or delete it in the console)")
                : VoiEnvelope.Data(new TerminalRegistration(terminal.Id, token, terminal.Name, terminal.Mac));
        }, ct);

    /// <summary>The manifest; <c>wait</c> (seconds) with <c>known_version</c> holds the answer until a new version exists.</summary>
    private static Task<IResult> Manifest(HttpRequest http, TerminalStore terminals, TerminalManifests manifests, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            var wait = request.Integer("wait", 0, MaxWaitSeconds) ?? 0;
            var known = request.Integer("known_version", 0, long.MaxValue);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            if (await AuthenticateAsync(http, terminals, ct) is not { } terminal)
            {
                return SecurityErrors.TerminalUnauthenticated;
            }
            var manifest = await manifests.BuildAsync(terminal, known, TimeSpan.FromSeconds(wait), ct);
            return manifest.Error is { } error ? error : VoiEnvelope.Data(manifest.Value);
        }, ct);

    /// <summary>The terminal's tool-disk version and whether it is downloading; starting a download is refused while the disk is merged.</summary>
    private static Task<IResult> Report(HttpRequest http, TerminalStore terminals, CancellationToken ct) =>
        VoiCall.RunAsync(http, async request =>
        {
            var version = request.Integer("tool_disk_version", 0, long.MaxValue, required: true);
            var downloading = request.Boolean("is_downloading", required: true);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            if (await AuthenticateAsync(http, terminals, ct) is not { } terminal)
            {
                return SecurityErrors.TerminalUnauthenticated;
            }
            if (!await terminals.ReportAsync(terminal.Id, version!.Value, downloading!.Value, RequestOutcome.Of(http.HttpContext), ct))
            {
                return DriverCenterErrors.DistributionDuringMerge("the driver disk is being saved; start the download when it is done");
            }
            return VoiEnvelope.Data(await terminals.GetAsync(terminal.Id, ct));
        }, ct);

    /// <summary>
    /// A base or delta of the current manifest, whole or a single byte range (<c>Range</c>, with
    /// <c>If-Range</c>); the ETag is the file's md5. Streamed from the host as it arrives.
    /// </summary>
    private static async Task<IResult> Download(HttpContext context, string name, TerminalStore terminals, DriverCenterStore center, DriverCenterHost host, CancellationToken ct)
    {
        if (await AuthenticateAsync(context.Request, terminals, ct) is null)
        {
            return ApiEnvelope.Fail(SecurityErrors.TerminalUnauthenticated);
        }
        var node = (await terminals.NodesAsync(ct)).FirstOrDefault(n => n.FileName == name);
        if (node is null)
        {
            return ApiEnvelope.Fail(new ApiError(ApiErrorCode.RouteNotFound, $"'{name}' is not a file of the current driver disk manifest"));
        }
        if ((await center.GetSettingAsync(ct)).MountStatus == MountStatus.Merging)
        {
            return ApiEnvelope.Fail(DriverCenterErrors.DistributionDuringMerge("the driver disk is being saved; download when it is done"));
        }
        var agent = await host.AgentAsync(ct);
        if (agent.Error is { } unavailable)
        {
            return ApiEnvelope.Fail(unavailable);
        }
        var etag = new EntityTagHeaderValue($"\"{node.Md5}\"");
        var (offset, length, partial) = (0L, node.FileSize, false);
        var headers = context.Request.GetTypedHeaders();
        if (headers.Range is { Ranges.Count: 1 } range && (headers.IfRange is null || headers.IfRange.EntityTag?.Compare(etag, useStrongComparison: true) == true))
        {
            var requested = range.Ranges.First();
            if (!string.Equals(range.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase) || !TryResolve(requested, node.FileSize, out offset, out length))
            {
                context.Response.Headers.ContentRange = $"bytes */{node.FileSize}";
                return ApiEnvelope.Fail(new ApiError(ApiErrorCode.RangeNotSatisfiable, $"the range {requested} is outside '{name}' ({node.FileSize} bytes)"));
            }
            partial = true;
        }
        var response = context.Response;
        response.StatusCode = partial ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
        response.ContentType = "application/octet-stream";
        response.ContentLength = length;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = etag.ToString();
        if (partial)
        {
            response.Headers.ContentRange = new ContentRangeHeaderValue(offset, offset + length - 1, node.FileSize).ToString();
        }
        if (HttpMethods.IsHead(context.Request.Method) || length == 0)
        {
            return Results.Empty;
        }
        try
        {
            await agent.Value!.DownloadFileAsync(name, offset, length, response.Body, host.Options.OperationTimeout, ct);
        }
        catch (AgentException) when (response.HasStarted)
        {
            // The terminal gets a short body and resumes with a range; nothing else can be said now.
            context.Abort();
            return Results.Empty;
        }
        catch (AgentException e)
        {
            response.Headers.Remove("Content-Range");
            response.ContentLength = null;
            return ApiEnvelope.Fail(TaskFailures.From(e).ToApiError());
        }
        return Results.Empty;
    }

    private static async Task<IResult> UploadPrinter(HttpRequest http, TerminalStore terminals, PrinterUseCases useCases, StagedUploads uploads, CancellationToken ct)
    {
        if (await AuthenticateAsync(http, terminals, ct) is not { } terminal)
        {
            return ApiEnvelope.Fail(SecurityErrors.TerminalUnauthenticated);
        }
        return await DriverUploads.ReceiveAsync(http, uploads, new DriverUploadTarget(PrinterUseCases.CheckFileName, async (upload, staged) =>
        {
            var printer = await useCases.ImportAsync(upload, staged, terminal, Caller.Of(http), ct);
            return printer.Error is { } error ? ApiEnvelope.Fail(error) : VoiEnvelope.Result(new[] { PrinterView.From(printer.Value!) });
        }), ct);
    }

    /// <summary>
    /// The terminal the request signed in as: the authentication handler checked its token (and
    /// noted it as seen); null for any other caller, or a terminal deleted since.
    /// </summary>
    private static Task<TerminalRecord?> AuthenticateAsync(HttpRequest http, TerminalStore terminals, CancellationToken ct) =>
        Principals.TerminalIdOf(http.HttpContext.User) is { } id ? terminals.GetAsync(id, ct) : Task.FromResult<TerminalRecord?>(null);

    private static string? BearerToken(HttpRequest http) => PlatformAuthenticationHandler.BearerToken(http);

    private static bool TryResolve(RangeItemHeaderValue range, long size, out long offset, out long length)
    {
        (offset, length) = (0, 0);
        if (range.From is { } from)
        {
            var to = Math.Min(range.To ?? size - 1, size - 1);
            if (from >= size || to < from)
            {
                return false;
            }
            (offset, length) = (from, to - from + 1);
            return true;
        }
        if (range.To is { } suffix && suffix > 0 && size > 0)
        {
            length = Math.Min(suffix, size);
            offset = size - length;
            return true;
        }
        return false;
    }
}

/// <summary>A registered terminal and its token (answered only here, once).</summary>
internal sealed record TerminalRegistration(long TerminalId, string Token, string Name, string Mac);

using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Platform.Controller.Api;
using Platform.Controller.Audit;

namespace Platform.Controller.DriverCenter;

/// <summary>/thor/voi/driver and /thor/voi/driver/upload: the system drivers page.</summary>
internal static class SystemDriverEndpoints
{
    /// <summary>Most drivers one delete takes.</summary>
    private const int MaxIdsPerCall = 1000;

    /// <summary>What a multipart body carries beyond the file itself (boundaries, headers, the small fields).</summary>
    private const long MultipartOverhead = 64 << 10;

    /// <summary>Longest value of a plain form field in an upload (name, describe, os_type).</summary>
    private const int MaxFieldBytes = 4096;

    public static void MapSystemDriverEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/thor/voi/driver", List);
        app.MapPost("/thor/voi/driver", Delete);
        app.MapPut("/thor/voi/driver", Update);
        app.MapPost("/thor/voi/driver/upload", Upload);
    }

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

    /// <summary>
    /// The driver file as a multipart form part (fields name, os_type/environment and describe may
    /// come before it or in the query string) or as the whole body (application/octet-stream, with
    /// ?file_name=). The file is streamed to the host as it arrives; nothing holds it whole.
    /// </summary>
    private static async Task<IResult> Upload(HttpRequest http, SystemDriverUseCases useCases, DriverCenterHost host, CancellationToken ct)
    {
        var maxBytes = host.Options.MaxUploadBytes;
        if (http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes + MultipartOverhead;
        }
        if (http.ContentLength > maxBytes + MultipartOverhead)
        {
            return ApiEnvelope.Fail(new ApiError(ApiErrorCode.UploadTooLarge, DriverCenterErrors.UploadFailedText,
                [new FieldError("file", $"is larger than {maxBytes} bytes (DriverCenter:MaxUploadBytes)")]));
        }
        var fields = http.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        if (http.ContentType is { } contentType && contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(contentType).Boundary).Value;
            if (string.IsNullOrEmpty(boundary))
            {
                return ApiEnvelope.Fail(new ApiError(ApiErrorCode.MalformedRequest, "the multipart body has no boundary"));
            }
            var reader = new MultipartReader(boundary, http.Body);
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }
                if (disposition.IsFileDisposition())
                {
                    var sent = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : disposition.FileName.Value;
                    return await UploadFileAsync(http, useCases, fields, HeaderUtilities.RemoveQuotes(sent).Value ?? "", section.Body, ct);
                }
                if (disposition.IsFormDisposition() && HeaderUtilities.RemoveQuotes(disposition.Name).Value is { } field)
                {
                    var value = await ReadFieldAsync(section.Body, ct);
                    if (value is null)
                    {
                        return ApiEnvelope.Fail(ApiError.Validation([new FieldError(field, $"must be at most {MaxFieldBytes} bytes")]));
                    }
                    fields[field] = value;
                }
            }
            return ApiEnvelope.Fail(DriverCenterErrors.UploadFailed("file", "the form has no file part"));
        }
        if (http.ContentType is { } raw && raw.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return await UploadFileAsync(http, useCases, fields, fields.GetValueOrDefault("file_name") ?? "", http.Body, ct);
        }
        return ApiEnvelope.Fail(new ApiError(ApiErrorCode.MalformedRequest,
            "the body must be multipart/form-data with the file, or application/octet-stream with ?file_name="));
    }

    private static async Task<IResult> UploadFileAsync(HttpRequest http, SystemDriverUseCases useCases, Dictionary<string, string> fields, string sentName, Stream content, CancellationToken ct)
    {
        // Browsers on Windows may send the whole client-side path.
        var fileName = sentName.Replace('\\', '/').Split('/')[^1];
        var request = ApiRequest.FromValues(fields);
        if (fileName.Length == 0)
        {
            request.AddError("file_name", "the file has no name");
        }
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var name = request.Text("name", TextRule.Name);
        if (name is null && !request.Has("name") && stem.Length > 0)
        {
            if (TextRule.Name.Check(stem) is { } problem)
            {
                request.AddError("name", $"the file's name {problem}; give the driver a name");
            }
            name = stem;
        }
        var osType = DriverEnvironments.Read(request) ?? DriverEnvironments.Default;
        var describe = request.Text("describe", TextRule.Description) ?? "";
        if (!request.IsValid)
        {
            return ApiEnvelope.Fail(request.ValidationError);
        }
        var driver = await useCases.UploadAsync(new DriverUpload(fileName, name!, osType, describe), content, Caller.Of(http), ct);
        return driver.Error is { } error ? ApiEnvelope.Fail(error) : VoiEnvelope.Data(new[] { SystemDriverView.From(driver.Value!) });
    }

    /// <summary>A small form field's text; null when it is longer than <see cref="MaxFieldBytes"/>.</summary>
    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        return read > MaxFieldBytes ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }
}

/// <summary>A system driver as the seed's console lists it (create_at in Unix seconds).</summary>
internal sealed record SystemDriverView(
    long Id, string Name, string Describe, short OsType, string Environment, short Type, int TplNum, long Size, int Files, string Status, long CreateAt)
{
    public static SystemDriverView From(SystemDriverRecord d) =>
        new(d.Id, d.Name, d.Describe, d.OsType, DriverEnvironments.NameOf(d.OsType), d.Type, d.TplNum, d.Size, d.Files, d.Status, d.CreateAt);
}

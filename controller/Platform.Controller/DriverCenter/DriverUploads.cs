using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Platform.Controller.Api;
using Platform.Controller.Api.Description;

namespace Platform.Controller.DriverCenter;

/// <summary>What an upload endpoint takes: which file names it accepts, and what it makes of a staged upload.</summary>
/// <param name="CheckFileName">The refusal of a file name (its type), checked before anything is sent to the host; null to accept.</param>
/// <param name="Import">Turns the staged file and the request's fields into a driver; it owns the staged file from then on.</param>
internal sealed record DriverUploadTarget(Func<string, ApiError?> CheckFileName, Func<DriverUpload, StagedUpload, Task<IResult>> Import);

/// <summary>
/// The upload endpoints' body, system and printer drivers alike: the file as a multipart form
/// part, with the fields name, os_type/environment and describe anywhere in the form or in the
/// query string, or the whole body (application/octet-stream, with ?file_name=). The file is
/// streamed to the host as it arrives (nothing holds it whole); the fields are checked once the
/// whole request is read, and only then is anything imported or recorded.
/// </summary>
internal static class DriverUploads
{
    /// <summary>What a multipart body carries beyond the file itself (boundaries, headers, the small fields).</summary>
    private const long MultipartOverhead = 64 << 10;

    /// <summary>Longest value of a plain form field in an upload (name, describe, os_type).</summary>
    private const int MaxFieldBytes = 4096;

    /// <summary>The fields beside the file, as <see cref="CompleteAsync"/> reads them, for the API description.</summary>
    public static IReadOnlyList<ApiField> Fields { get; } =
    [
        ApiField.Text("name", TextRule.Name) with { Description = "default: the file's name without its extension" },
        DriverEnvironments.Field,
        ApiField.Text("describe", TextRule.Description),
    ];

    public static async Task<IResult> ReceiveAsync(HttpRequest http, StagedUploads uploads, DriverUploadTarget target, CancellationToken ct)
    {
        var maxBytes = uploads.MaxBytes;
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
        if (http.ContentType is { } raw && raw.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            var fileName = FileNameOf(fields.GetValueOrDefault("file_name") ?? "");
            if (target.CheckFileName(fileName) is { } refused)
            {
                return ApiEnvelope.Fail(refused);
            }
            var staged = await uploads.StageAsync(Path.GetExtension(fileName), http.Body, ct);
            return staged.Error is { } failed ? ApiEnvelope.Fail(failed) : await CompleteAsync(http, uploads, target, fields, fileName, staged.Value!);
        }
        if (http.ContentType is not { } contentType || !contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return ApiEnvelope.Fail(new ApiError(ApiErrorCode.MalformedRequest,
                "the body must be multipart/form-data with the file, or application/octet-stream with ?file_name="));
        }
        var boundary = MediaTypeHeaderValue.TryParse(contentType, out var mediaType) ? HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value : null;
        if (string.IsNullOrEmpty(boundary))
        {
            return ApiEnvelope.Fail(new ApiError(ApiErrorCode.MalformedRequest, "the Content-Type gives no multipart boundary"));
        }
        var reader = new MultipartReader(boundary, http.Body);
        (StagedUpload Upload, string FileName)? file = null;
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }
                if (disposition.IsFileDisposition())
                {
                    if (file is not null)
                    {
                        return ApiEnvelope.Fail(ApiError.Validation([new FieldError("file", "the form has more than one file; upload one driver per request")]));
                    }
                    var fileName = FileNameOf(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "");
                    if (target.CheckFileName(fileName) is { } refused)
                    {
                        return ApiEnvelope.Fail(refused);
                    }
                    var staged = await uploads.StageAsync(Path.GetExtension(fileName), section.Body, ct);
                    if (staged.Error is { } failed)
                    {
                        return ApiEnvelope.Fail(failed);
                    }
                    file = (staged.Value!, fileName);
                }
                else if (disposition.IsFormDisposition() && HeaderUtilities.RemoveQuotes(disposition.Name).Value is { } field)
                {
                    if (await ReadFieldAsync(section.Body, ct) is not { } value)
                    {
                        return ApiEnvelope.Fail(ApiError.Validation([new FieldError(field, $"must be at most {MaxFieldBytes} bytes")]));
                    }
                    fields[field] = value;
                }
            }
            if (file is not { } received)
            {
                return ApiEnvelope.Fail(DriverCenterErrors.UploadFailed("file", "the form has no file part"));
            }
            var result = await CompleteAsync(http, uploads, target, fields, received.FileName, received.Upload);
            file = null;
            return result;
        }
        catch (InvalidDataException e)
        {
            // MultipartReader's limits (16 KiB of part headers, line lengths) and malformed parts.
            return ApiEnvelope.Fail(new ApiError(ApiErrorCode.MalformedRequest, $"the multipart body is malformed: {e.Message}"));
        }
        catch (IOException e) when (e is not BadHttpRequestException && !ct.IsCancellationRequested)
        {
            // The body ended inside a part or before the closing boundary (a request Kestrel
            // refuses, such as one over the size limit, is answered by the exception handler).
            return ApiEnvelope.Fail(new ApiError(ApiErrorCode.MalformedRequest, $"the multipart body ends before its closing boundary: {e.Message}"));
        }
        finally
        {
            // Anything that ends the request before the import took the staged file over.
            if (file is { } abandoned)
            {
                await uploads.DiscardAsync(abandoned.Upload);
            }
        }
    }

    /// <summary>Checks every field at once, then imports; a refusal deletes the staged file.</summary>
    private static async Task<IResult> CompleteAsync(HttpRequest http, StagedUploads uploads, DriverUploadTarget target, Dictionary<string, string> fields, string fileName, StagedUpload staged)
    {
        var request = ApiRequest.FromValues(fields);
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var name = request.Text("name", TextRule.Name);
        if (name is null && !request.Has("name"))
        {
            if (TextRule.Name.Check(stem) is { } problem)
            {
                request.AddError("name", $"the file's name {problem}; give the driver a name");
            }
            name = stem;
        }
        var osType = DriverEnvironments.Read(request) ?? DriverEnvironments.Default;
        var describe = request.Text("describe", TextRule.Description) ?? "";
        ApiDescriptionGuard.Check(http.HttpContext, request.FieldsRead);
        if (!request.IsValid)
        {
            await uploads.DiscardAsync(staged);
            return ApiEnvelope.Fail(request.ValidationError);
        }
        return await target.Import(new DriverUpload(fileName, name!, osType, describe), staged);
    }

    /// <summary>The name without the client-side path browsers on Windows may send.</summary>
    private static string FileNameOf(string sent) => sent.Replace('\\', '/').Split('/')[^1];

    /// <summary>A small form field's text; null when it is longer than <see cref="MaxFieldBytes"/>.</summary>
    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        return read > MaxFieldBytes ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }
}

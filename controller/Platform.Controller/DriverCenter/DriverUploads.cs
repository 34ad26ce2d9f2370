using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Platform.Controller.Api;

namespace Platform.Controller.DriverCenter;

/// <summary>The upload endpoints' body: system drivers and printer drivers arrive the same way.</summary>
internal static class DriverUploads
{
    /// <summary>What a multipart body carries beyond the file itself (boundaries, headers, the small fields).</summary>
    private const long MultipartOverhead = 64 << 10;

    /// <summary>Longest value of a plain form field in an upload (name, describe, os_type).</summary>
    private const int MaxFieldBytes = 4096;

    /// <summary>
    /// Reads a driver upload: the file as a multipart form part (fields name, os_type/environment and describe may
    /// come before it or in the query string) or as the whole body (application/octet-stream, with
    /// ?file_name=). The file is streamed to the host as it arrives; nothing holds it whole.
    /// </summary>
    public static async Task<IResult> ReceiveAsync(HttpRequest http, long maxBytes, Func<DriverUpload, Stream, Task<IResult>> receive, CancellationToken ct)
    {
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
                    return await ReadFileAsync(receive, fields, HeaderUtilities.RemoveQuotes(sent).Value ?? "", section.Body);
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
            return await ReadFileAsync(receive, fields, fields.GetValueOrDefault("file_name") ?? "", http.Body);
        }
        return ApiEnvelope.Fail(new ApiError(ApiErrorCode.MalformedRequest,
            "the body must be multipart/form-data with the file, or application/octet-stream with ?file_name="));
    }

    private static async Task<IResult> ReadFileAsync(Func<DriverUpload, Stream, Task<IResult>> receive, Dictionary<string, string> fields, string sentName, Stream content)
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
        return await receive(new DriverUpload(fileName, name!, osType, describe), content);
    }

    /// <summary>A small form field's text; null when it is longer than <see cref="MaxFieldBytes"/>.</summary>
    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        return read > MaxFieldBytes ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }
}

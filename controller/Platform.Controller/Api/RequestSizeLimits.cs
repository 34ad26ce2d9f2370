using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Platform.Controller.Api;

/// <summary>
/// The request line and header limits (<see cref="SizeLimits"/>), answered in the envelope: 414
/// for a request line that is too long, 431 for too many or too large headers. Kestrel's own
/// limits are raised above these, so it only answers (bare) what is far beyond them.
/// </summary>
internal static class RequestSizeLimits
{
    // "METHOD SP target SP version CRLF" and "name: value CRLF", as Kestrel counts them.
    private const int RequestLineOverhead = 4;
    private const int HeaderLineOverhead = 4;

    public static WebApplicationBuilder AddRequestSizeLimits(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.Limits.MaxRequestLineSize = SizeLimits.KestrelMaxRequestLineBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = SizeLimits.KestrelMaxRequestHeaderBytes;
            kestrel.Limits.MaxRequestHeaderCount = SizeLimits.KestrelMaxRequestHeaderCount;
        });
        return builder;
    }

    /// <summary>First in the pipeline: a request over a limit is answered before anything reads it.</summary>
    public static IApplicationBuilder UseRequestSizeLimits(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (Exceeded(context) is { } error)
            {
                // The request is not read any further: the connection cannot carry another one.
                context.Response.Headers.Connection = "close";
                await ApiEnvelope.Fail(error).ExecuteAsync(context);
                return;
            }
            await next(context);
        });

    private static ApiError? Exceeded(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            // gRPC (HTTP/2) has no request line, and its metadata limits are gRPC's own.
            return null;
        }
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "";
        var line = request.Method.Length + target.Length + request.Protocol.Length + RequestLineOverhead;
        if (line > SizeLimits.MaxRequestLineBytes)
        {
            return new ApiError(ApiErrorCode.RequestLineTooLong, $"the request line is {line} bytes; at most {SizeLimits.MaxRequestLineBytes} are accepted");
        }
        var (count, bytes) = (0, 0);
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                count++;
                bytes += name.Length + (value?.Length ?? 0) + HeaderLineOverhead;
            }
        }
        if (count > SizeLimits.MaxRequestHeaderCount)
        {
            return new ApiError(ApiErrorCode.HeadersTooLarge, $"the request has {count} header lines; at most {SizeLimits.MaxRequestHeaderCount} are accepted");
        }
        if (bytes > SizeLimits.MaxRequestHeaderBytes)
        {
            return new ApiError(ApiErrorCode.HeadersTooLarge, $"the request headers are {bytes} bytes; at most {SizeLimits.MaxRequestHeaderBytes} are accepted");
        }
        return null;
    }
}

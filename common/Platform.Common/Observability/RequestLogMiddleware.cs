using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Platform.Common.Observability;

/// <summary>
/// One line per HTTP request when it ends: method, path, status, duration, caller address,
/// request id and trace id. gRPC calls are left to the gRPC call log, which says more about
/// them; health and metrics scrapes, frequent and dull, are logged at Debug.
/// Category <c>Platform.RequestLog</c>, so that operators can raise or lower it on its own.
/// </summary>
internal sealed partial class RequestLogMiddleware(RequestDelegate next, ILoggerFactory loggers)
{
    public const string Category = "Platform.RequestLog";

    private readonly ILogger _logger = loggers.CreateLogger(Category);

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            await next(context);
            return;
        }
        var started = Stopwatch.GetTimestamp();
        var failed = true;
        try
        {
            await next(context);
            failed = false;
        }
        finally
        {
            // An exception that got this far is answered 500 by the server.
            var status = failed ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
            var level = LevelOf(context.Request.Path, status);
            if (_logger.IsEnabled(level))
            {
                var path = (context.Request.PathBase + context.Request.Path).ToString();
                var caller = context.Connection.RemoteIpAddress?.ToString() ?? "-";
                var traceId = Activity.Current?.TraceId.ToHexString() ?? "-";
                var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var requestId = RequestIds.Of(context);
                Answered(_logger, level, context.Request.Method, path, status, elapsedMs, caller, requestId, traceId);
            }
        }
    }

    internal static LogLevel LevelOf(PathString path, int status) => status switch
    {
        >= 500 => LogLevel.Warning,
        _ when path.StartsWithSegments(PlatformTelemetry.MetricsPath) || path.StartsWithSegments(PlatformTelemetry.HealthPath) => LogLevel.Debug,
        _ => LogLevel.Information,
    };

    [LoggerMessage(EventId = 1, Message = "{Method} {Path} answered {StatusCode} in {ElapsedMs:F1} ms; caller {Caller}; request {RequestId}; trace {TraceId}")]
    private static partial void Answered(ILogger logger, LogLevel level, string method, string path, int statusCode, double elapsedMs,
        string caller, string requestId, string traceId);
}

using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Common.Observability;

/// <summary>
/// One line per HTTP request when it ends: method, path, status, duration, caller address, the
/// principal it authenticated as (<see cref="IRequestPrincipalNamer"/>, never a credential),
/// request id and trace id. The request id is <c>CorrelationId</c>, not <c>RequestId</c>: ASP.NET
/// Core's request scope already has a <c>RequestId</c> (always the server's own), and the scope's
/// value would replace the caller's X-Request-Id in the line. gRPC calls are left to the gRPC call log, which says more about
/// them; health and metrics scrapes, frequent and dull, are logged at Debug.
/// Category <c>Platform.RequestLog</c>, so that operators can raise or lower it on its own.
/// </summary>
internal sealed partial class RequestLogMiddleware(RequestDelegate next, ILoggerFactory loggers)
{
    public const string Category = "Platform.RequestLog";

    /// <summary>The principal of a request that presented no valid credential.</summary>
    public const string Anonymous = "anonymous";

    private readonly ILogger _logger = loggers.CreateLogger(Category);

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            await next(context);
            return;
        }
        // Read before the pipeline runs: what it does to the request must not change what is logged.
        var method = context.Request.Method;
        var path = (context.Request.PathBase + context.Request.Path).ToString();
        var requestId = RequestIds.Of(context);
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
            var level = LevelOf(path, status);
            if (_logger.IsEnabled(level))
            {
                var caller = context.Connection.RemoteIpAddress?.ToString() ?? "-";
                // Read after the pipeline: authentication has run by then (or refused the request).
                var principal = context.RequestServices.GetService<IRequestPrincipalNamer>() is { } namer
                    ? namer.Name(context.User) ?? Anonymous
                    : DefaultName(context.User);
                var traceId = Activity.Current?.TraceId.ToHexString() ?? "-";
                var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Answered(_logger, level, method, path, status, elapsedMs, caller, principal, requestId, traceId);
            }
        }
    }

    internal static LogLevel LevelOf(PathString path, int status) => status switch
    {
        >= 500 => LogLevel.Warning,
        _ when path.StartsWithSegments(PlatformTelemetry.MetricsPath) || path.StartsWithSegments(PlatformTelemetry.HealthPath) => LogLevel.Debug,
        _ => LogLevel.Information,
    };

    /// <summary>A daemon without its own way of naming principals: the identity's name, or <see cref="Anonymous"/>.</summary>
    private static string DefaultName(ClaimsPrincipal? user) =>
        user?.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : Anonymous;

    [LoggerMessage(EventId = 1, Message = "{Method} {Path} answered {StatusCode} in {ElapsedMs:F1} ms; caller {Caller} as {Principal}; request {CorrelationId}; trace {TraceId}")]
    private static partial void Answered(ILogger logger, LogLevel level, string method, string path, int statusCode, double elapsedMs,
        string caller, string principal, string correlationId, string traceId);
}

/// <summary>
/// How the request log names the principal a request authenticated as; a daemon with users
/// registers one. It must never return a credential (a token's secret, a session's cookie).
/// </summary>
public interface IRequestPrincipalNamer
{
    /// <summary>The principal's name for the log; null when the request is anonymous.</summary>
    string? Name(ClaimsPrincipal user);
}

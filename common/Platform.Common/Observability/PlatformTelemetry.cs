using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Platform.Common.Observability;

/// <summary>
/// Metrics in Prometheus text format at <see cref="MetricsPath"/> on every HTTP endpoint of the
/// daemon, traces that follow a request into the calls it makes, and one log line per request.
/// </summary>
public static class PlatformTelemetry
{
    public const string MetricsPath = "/metrics";

    /// <summary>Where <see cref="Health.PlatformHealth"/> answers (repeated here: the request log treats it as routine).</summary>
    public const string HealthPath = Health.PlatformHealth.Path;

    /// <summary>
    /// The meters exported beside the platform's own: ASP.NET Core's HTTP server metrics
    /// (<c>http.server.request.duration</c> by route, method and status), Kestrel's connections,
    /// the runtime's and the process's (<c>dotnet.*</c>: GC, threads, CPU time, working set),
    /// and Npgsql's connection pool (only the controller has one).
    /// </summary>
    private static readonly string[] Meters =
        [PlatformMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime", "Npgsql"];

    public static WebApplicationBuilder AddPlatformTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(Meters)
                // The exporter answers a scrape within 300 ms of the last from a cache by default:
                // a scrape after an operation could then show the counts from before it. A scrape
                // costs 12-47 ms here, and one scraper per daemon is the usual.
                .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0))
            // Listening to these sources is what makes ASP.NET Core and the daemons start their
            // activities: HttpClient sends the current one on as traceparent, so the agent's
            // lines carry the trace id of the controller's request. Nothing is exported.
            .WithTracing(tracing => tracing.AddSource("Microsoft.AspNetCore", PlatformMetrics.ActivitySourceName));
        builder.Services.AddTransient<IStartupFilter, ObservabilityStartupFilter>();
        return builder;
    }

    /// <summary>Ahead of the daemon's own pipeline: the request log sees every answer, and a scrape passes nothing else.</summary>
    private sealed class ObservabilityStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseMiddleware<RequestLogMiddleware>();
            app.UseOpenTelemetryPrometheusScrapingEndpoint(
                meterProvider: null,
                predicate: null,
                path: MetricsPath,
                configureBranchedPipeline: scrape => scrape.Use(async (context, next) =>
                {
                    if (context.RequestServices.GetService<IMetricsScrapeGuard>() is not { } guard || await guard.AllowAsync(context))
                    {
                        await next(context);
                    }
                }),
                optionsName: null);
            next(app);
        };
    }
}

/// <summary>
/// Decides whether a scrape of <see cref="PlatformTelemetry.MetricsPath"/> may read the metrics
/// (a daemon with users asks for credentials); it answers the refusal itself.
/// </summary>
public interface IMetricsScrapeGuard
{
    Task<bool> AllowAsync(Microsoft.AspNetCore.Http.HttpContext context);
}

using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.Common.Health;

public static class PlatformHealth
{
    public const string Path = "/healthz";

    /// <summary>
    /// Serves the registered health checks as JSON: 200 when every check is healthy or
    /// degraded, 503 otherwise, each check with its status, reason and duration.
    /// </summary>
    public static IEndpointConventionBuilder MapPlatformHealth(this IEndpointRouteBuilder endpoints, string component) =>
        endpoints.MapHealthChecks(Path, new HealthCheckOptions
        {
            ResponseWriter = (context, report) => WriteReportAsync(context, report, component),
        });

    internal static async Task WriteReportAsync(HttpContext context, HealthReport report, string component)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using (var json = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString());
            json.WriteString("component", component);
            json.WriteString("version", Version);
            json.WriteNumber("duration_ms", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
            json.WriteStartArray("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteString("status", entry.Status.ToString());
                json.WriteString("description", entry.Description ?? entry.Exception?.Message);
                json.WriteNumber("duration_ms", Math.Round(entry.Duration.TotalMilliseconds, 1));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            await json.FlushAsync(context.RequestAborted);
        }
    }

    private static readonly string Version =
        typeof(PlatformHealth).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}

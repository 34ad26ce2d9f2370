using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.Common.Logging;
using Platform.Common.Observability;

namespace Platform.Common.Hosting;

public static class PlatformHostBuilder
{
    /// <summary>What every Platform daemon shares: configuration layers, logging, metrics and traces, health checks, problem details, systemd readiness, a one-line exit on a startup failure.</summary>
    public static WebApplicationBuilder AddPlatformDefaults(this WebApplicationBuilder builder, string component, string[] args)
    {
        StartupFailure.ExitCleanlyOnStartupFailure(component);
        builder.Configuration.AddPlatformSources(component, args);
        // Kestrel reads its endpoints only when it starts listening, after the daemon's own start-up work.
        KestrelEndpointSettings.Validate(builder.Configuration);
        builder.Logging.AddPlatformLogging(builder.Configuration, component);
        builder.AddPlatformTelemetry();
        builder.Services.AddHealthChecks();
        builder.Services.AddProblemDetails();
        builder.Services.AddHostedService<SystemdNotifier>();
        return builder;
    }
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Platform.Rpc.Server;

/// <summary>
/// Healthy from the moment the host has started until it begins to stop, so that the gRPC
/// health service (and /healthz) say NOT_SERVING while a daemon drains on SIGTERM.
/// </summary>
internal sealed class ServingLifetimeHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public const string Name = "serving";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("stopping")
            : lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Healthy("serving")
            : HealthCheckResult.Unhealthy("starting"));
}

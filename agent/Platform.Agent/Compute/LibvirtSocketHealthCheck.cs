using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Platform.Agent.Compute;

/// <summary>Reports whether libvirtd accepts connections on its UNIX socket.</summary>
internal sealed class LibvirtSocketHealthCheck(IOptions<ComputeOptions> options) : IHealthCheck
{
    public const string Name = "libvirt";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var uri = options.Value.LibvirtUri;
        var socketPath = LibvirtUri.LocalSocketPath(uri);
        if (socketPath is null)
        {
            return HealthCheckResult.Healthy($"{uri} is not a local socket; not probed");
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
            return HealthCheckResult.Healthy($"libvirtd accepts connections on {socketPath}");
        }
        catch (SocketException e)
        {
            return HealthCheckResult.Unhealthy($"libvirtd not reachable on {socketPath}: {e.SocketErrorCode}");
        }
    }
}

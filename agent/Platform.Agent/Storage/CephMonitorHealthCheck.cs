using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Platform.Agent.Storage;

/// <summary>Reports whether a Ceph monitor named in ceph.conf accepts TCP connections.</summary>
internal sealed class CephMonitorHealthCheck(IOptions<StorageOptions> options) : IHealthCheck
{
    public const string Name = "ceph";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var conf = options.Value.CephConf;
        string[] lines;
        try
        {
            lines = await File.ReadAllLinesAsync(conf, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"cannot read {conf}: {e.Message}");
        }

        var monitors = CephMonitorAddresses.Parse(lines);
        if (monitors.Count == 0)
        {
            return HealthCheckResult.Unhealthy($"{conf} names no monitor (mon_host)");
        }

        var failures = new List<string>();
        foreach (var monitor in monitors)
        {
            using var socket = new Socket(monitor.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(monitor, cancellationToken);
                return HealthCheckResult.Healthy($"monitor {monitor} reachable");
            }
            catch (SocketException e)
            {
                failures.Add($"{monitor}: {e.SocketErrorCode}");
            }
        }
        return HealthCheckResult.Unhealthy("no monitor reachable (" + string.Join(", ", failures) + ")");
    }
}

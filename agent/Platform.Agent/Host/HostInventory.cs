using Microsoft.Extensions.Options;
using Platform.Agent.Compute;
using Platform.Agent.Compute.Libvirt;
using Platform.Contracts.Agent.V1;
using Grpc.Core;

namespace Platform.Agent.Host;

/// <summary>GetHostInfo: capacity from libvirt, the Ceph fsid when Ceph answers, the host's Linux bridges, and the domain type chosen at start (waited for while the probe runs).</summary>
internal sealed class HostInventory(LibvirtHost libvirt, CephAccess ceph, DomainTypeSelection domainType, IOptions<ComputeOptions> options)
{
    private const string NetDirectory = "/sys/class/net";

    public async Task<HostInfo> CollectAsync(CancellationToken cancellationToken)
    {
        LibvirtConnection connection;
        try
        {
            connection = await libvirt.GetConnectionAsync(cancellationToken);
        }
        catch (LibvirtException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"libvirt at {options.Value.LibvirtUri} is not reachable: {e.Message}"));
        }
        // After the connection: without libvirt there is no probe to wait for, and the caller
        // hears UNAVAILABLE at once rather than at its deadline.
        var type = await domainType.WaitAsync(cancellationToken);
        // Ceph is asked while libvirt answers: an unreachable cluster costs its connect timeout once.
        var fsid = ceph.GetFsidAsync(cancellationToken);
        try
        {
            var node = await connection.GetNodeInfoAsync(cancellationToken);
            var free = await connection.GetFreeMemoryAsync(cancellationToken);
            var versions = await connection.GetVersionsAsync(cancellationToken);
            var running = await connection.ListDomainsAsync(DomainListFilter.Active, cancellationToken);
            foreach (var domain in running)
            {
                domain.Dispose();
            }
            var info = new HostInfo
            {
                Hostname = Environment.MachineName,
                Cpus = node.Cpus,
                MemoryTotalBytes = node.MemoryBytes,
                MemoryFreeBytes = free,
                RunningDomains = (uint)running.Count,
                LibvirtVersion = versions.Library.ToString(),
                QemuVersion = versions.Hypervisor.ToString(),
                CephFsid = await fsid ?? "",
                DomainType = type.Name,
                DomainTypeReason = type.Reason,
            };
            info.Bridges.AddRange(Bridges());
            return info;
        }
        catch (LibvirtException e)
        {
            throw LibvirtStatus.ToRpc(e, "host info");
        }
    }

    /// <summary>The configured bridge first, then every Linux bridge (an interface with a bridge/ directory).</summary>
    private IEnumerable<string> Bridges()
    {
        IEnumerable<string> found = [];
        try
        {
            found = Directory.EnumerateDirectories(NetDirectory)
                .Where(path => Directory.Exists(Path.Combine(path, "bridge")))
                .Select(Path.GetFileName)
                .OfType<string>()
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No sysfs (a container): the configured bridge is all there is to say.
        }
        return found.Prepend(options.Value.Bridge).Distinct(StringComparer.Ordinal);
    }
}

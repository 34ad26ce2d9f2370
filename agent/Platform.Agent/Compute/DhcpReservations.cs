using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Agent.Compute;

/// <summary>
/// The DHCP side of guest NICs: each NIC's MAC and address (allocated by the controller) become
/// a reservation (<c>&lt;host mac= ip=/&gt;</c>) of the libvirt network that owns the NIC's
/// bridge, so the guest's DHCP client gets exactly that address. Reservations are changed with
/// virNetworkUpdate in the running network (dnsmasq re-reads them at once) and in its persistent
/// config (kept across agent, libvirtd and network restarts), each scope only where it differs,
/// so every change converges when repeated. The agent keeps nothing of its own. A reservation
/// leaves with its lease: dnsmasq would not hand a reserved address that is still leased to
/// another MAC (see <see cref="DhcpRelease"/>).
/// </summary>
internal sealed partial class DhcpReservations(LibvirtHost libvirt, IOptions<ComputeOptions> options, TimeProvider clock, ILogger<DhcpReservations> logger) : IDisposable
{
    private static readonly TimeSpan LeasePollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LeaseEndTimeout = TimeSpan.FromSeconds(5);

    // Check-then-update on one network must not interleave; changes are rare and take milliseconds.
    private readonly SemaphoreSlim _gate = new(1, 1);

    private ComputeOptions Options => options.Value;

    /// <summary>
    /// Reserves <paramref name="ip"/> for <paramref name="mac"/> on the network of <paramref name="bridge"/>.
    /// Any other reservation holding the MAC or the address is stale (the controller hands out
    /// each once) and is replaced. Answers null when done, else why it cannot be done (no such
    /// network, an address outside it), which the caller reports as a failed precondition.
    /// </summary>
    public async Task<string?> ReserveAsync(string bridge, string mac, string ip, CancellationToken cancellationToken)
    {
        if (!Options.Dhcp)
        {
            return null;
        }
        var wanted = new DhcpHost(mac.ToLowerInvariant(), ip);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var name = NetworkOf(bridge);
            using var network = await FindOrDefineAsync(name, bridge, cancellationToken);
            if (network is null)
            {
                return $"bridge {bridge} has no libvirt network '{name}' to hand out {ip} (define one with <ip> and <dhcp>, or set Compute:DhcpGateway)";
            }
            foreach (var (scope, description) in await ScopesAsync(network, cancellationToken))
            {
                if (description.DhcpSubnet is not { } subnet)
                {
                    return $"libvirt network '{name}' has no IPv4 address to serve DHCP from";
                }
                if (!subnet.HoldsHost(ip) || ip == subnet.Address)
                {
                    return $"{ip} is not a guest address of libvirt network '{name}' ({subnet}): the controller's network and this host's disagree";
                }
                foreach (var stale in description.Hosts.Where(h => h.Overlaps(wanted.MacAddress, ip) && !h.Is(wanted.MacAddress, ip)))
                {
                    if (scope == NetworkModification.Live)
                    {
                        await EndLeasesAsync(network, description, l => SameMac(l.MacAddress, stale.MacAddress), cancellationToken);
                    }
                    await network.RemoveDhcpHostAsync(stale, scope, cancellationToken);
                    LogStaleRemoved(logger, name, stale.MacAddress, stale.Ip, scope);
                }
                if (!description.Hosts.Any(h => h.Is(wanted.MacAddress, ip)))
                {
                    await network.AddDhcpHostAsync(wanted, scope, cancellationToken);
                    LogReserved(logger, name, wanted.MacAddress, ip, scope);
                }
                if (scope == NetworkModification.Live)
                {
                    // A lease of the address to another MAC whose reservation is already gone
                    // (e.g. an agent that stopped between the two) would still block it.
                    await EndLeasesAsync(network, description, l => l.Ip == ip && !SameMac(l.MacAddress, wanted.MacAddress), cancellationToken);
                }
            }
            return null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Removes every reservation of these MACs from the network of <paramref name="bridge"/>; a network or reservation that is not there counts as removed.</summary>
    public async Task ReleaseAsync(string bridge, IReadOnlyCollection<string> macs, CancellationToken cancellationToken)
    {
        if (macs.Count == 0 || !Options.Dhcp)
        {
            return;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var name = NetworkOf(bridge);
            var connection = await libvirt.GetConnectionAsync(cancellationToken);
            using var network = await connection.FindNetworkAsync(name, cancellationToken);
            if (network is null)
            {
                return;
            }
            foreach (var (scope, description) in await ScopesAsync(network, cancellationToken))
            {
                if (scope == NetworkModification.Live)
                {
                    await EndLeasesAsync(network, description, l => macs.Any(m => SameMac(m, l.MacAddress)), cancellationToken);
                }
                foreach (var host in description.Hosts.Where(h => macs.Any(m => SameMac(m, h.MacAddress))))
                {
                    await network.RemoveDhcpHostAsync(host, scope, cancellationToken);
                    LogReleased(logger, name, host.MacAddress, host.Ip, scope);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The libvirt network serving <paramref name="bridge"/>: Compute:DhcpNetwork for the agent's own bridge when set, else the network named like the bridge.</summary>
    public string NetworkOf(string bridge) =>
        bridge == Options.Bridge && !string.IsNullOrEmpty(Options.DhcpNetwork) ? Options.DhcpNetwork : bridge;

    /// <summary>
    /// The network, or, when there is none and Compute:DhcpGateway is set for the agent's own
    /// bridge, a new one (defined, started, autostarted: it creates the bridge). Null when neither.
    /// </summary>
    private async Task<LibvirtNetwork?> FindOrDefineAsync(string name, string bridge, CancellationToken cancellationToken)
    {
        var connection = await libvirt.GetConnectionAsync(cancellationToken);
        var network = await connection.FindNetworkAsync(name, cancellationToken);
        if (network is null && bridge == Options.Bridge && !string.IsNullOrEmpty(Options.DhcpGateway))
        {
            network = await connection.DefineNetworkAsync(new NetworkDefinition
            {
                Name = name,
                Bridge = bridge,
                Gateway = Options.DhcpGateway,
                PrefixLength = Options.DhcpPrefixLength,
            }, cancellationToken);
            LogNetworkDefined(logger, name, bridge, Options.DhcpGateway, Options.DhcpPrefixLength);
        }
        if (network is not null && !await network.IsActiveAsync(cancellationToken))
        {
            try
            {
                await network.StartAsync(cancellationToken);
                await network.SetAutostartAsync(true, cancellationToken);
            }
            catch
            {
                network.Dispose();
                throw;
            }
        }
        return network;
    }

    /// <summary>
    /// Ends the chosen leases of the running network with a DHCPRELEASE each, and waits until
    /// libvirt's lease table no longer has them: dnsmasq's lease helper rewrites it, and libvirt
    /// restarts dnsmasq from it when the last reservation goes, which would bring back a lease
    /// not yet written off. A lease that outlasts the wait is logged; its address stays blocked
    /// until it expires.
    /// </summary>
    private async Task EndLeasesAsync(LibvirtNetwork network, NetworkDescription description, Func<DhcpLease, bool> which, CancellationToken cancellationToken)
    {
        var leases = (await network.GetDhcpLeasesAsync(null, cancellationToken)).Where(which).ToList();
        if (leases.Count == 0 || description.DhcpSubnet is not { } subnet || description.Bridge is not { } bridge)
        {
            return;
        }
        foreach (var lease in leases)
        {
            try
            {
                await DhcpRelease.SendAsync(bridge, subnet.Address, lease.Ip, lease.MacAddress, cancellationToken);
                LogLeaseEnded(logger, network.Name, lease.MacAddress, lease.Ip);
            }
            catch (Exception e) when (e is SocketException or ArgumentException)
            {
                LogLeaseKept(logger, network.Name, lease.MacAddress, lease.Ip, e.Message);
            }
        }
        var started = clock.GetTimestamp();
        while ((await network.GetDhcpLeasesAsync(null, cancellationToken)).Any(l => leases.Any(x => x.Ip == l.Ip && SameMac(x.MacAddress, l.MacAddress))))
        {
            if (clock.GetElapsedTime(started) >= LeaseEndTimeout)
            {
                foreach (var lease in leases)
                {
                    LogLeaseKept(logger, network.Name, lease.MacAddress, lease.Ip, $"still in libvirt's lease table after {LeaseEndTimeout.TotalSeconds:0} s");
                }
                return;
            }
            await Task.Delay(LeasePollInterval, clock, cancellationToken);
        }
    }

    private static bool SameMac(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>The running network and the persistent config, each with what it holds now (a transient network has no config).</summary>
    private static async Task<IReadOnlyList<(NetworkModification Scope, NetworkDescription Description)>> ScopesAsync(LibvirtNetwork network, CancellationToken cancellationToken)
    {
        var scopes = new List<(NetworkModification, NetworkDescription)>();
        if (await network.IsActiveAsync(cancellationToken))
        {
            scopes.Add((NetworkModification.Live, await network.DescribeAsync(inactive: false, cancellationToken)));
        }
        try
        {
            scopes.Add((NetworkModification.Config, await network.DescribeAsync(inactive: true, cancellationToken)));
        }
        catch (LibvirtException) when (scopes.Count > 0)
        {
            // Transient: only the running network exists.
        }
        return scopes;
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(EventId = 3141, Level = LogLevel.Information, Message = "DHCP reservation {Mac} -> {Ip} added to network {Network} ({Scope})")]
    private static partial void LogReserved(ILogger logger, string network, string mac, string ip, NetworkModification scope);

    [LoggerMessage(EventId = 3142, Level = LogLevel.Information, Message = "DHCP reservation {Mac} -> {Ip} removed from network {Network} ({Scope})")]
    private static partial void LogReleased(ILogger logger, string network, string mac, string ip, NetworkModification scope);

    [LoggerMessage(EventId = 3143, Level = LogLevel.Warning, Message = "Stale DHCP reservation {Mac} -> {Ip} removed from network {Network} ({Scope}): the MAC or address now belongs to another NIC")]
    private static partial void LogStaleRemoved(ILogger logger, string network, string mac, string ip, NetworkModification scope);

    [LoggerMessage(EventId = 3147, Level = LogLevel.Information, Message = "DHCP lease of {Ip} by {Mac} in network {Network} released")]
    private static partial void LogLeaseEnded(ILogger logger, string network, string mac, string ip);

    [LoggerMessage(EventId = 3148, Level = LogLevel.Warning, Message = "DHCP lease of {Ip} by {Mac} in network {Network} could not be ended ({Reason}): the address stays blocked until the lease expires")]
    private static partial void LogLeaseKept(ILogger logger, string network, string mac, string ip, string reason);

    [LoggerMessage(EventId = 3144, Level = LogLevel.Information, Message = "Defined libvirt network {Network} on bridge {Bridge} with gateway {Gateway}/{PrefixLength}")]
    private static partial void LogNetworkDefined(ILogger logger, string network, string bridge, string gateway, int prefixLength);
}

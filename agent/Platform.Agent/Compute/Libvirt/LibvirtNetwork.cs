using Microsoft.Win32.SafeHandles;

namespace Platform.Agent.Compute.Libvirt;

/// <summary>
/// One libvirt network (a handle to it: disposing it leaves the network alone). Every member
/// asks the daemon, off the caller's thread.
/// </summary>
internal sealed class LibvirtNetwork : IDisposable
{
    // virNetworkXMLFlags
    private const uint XmlInactive = 1 << 0;

    // virNetworkUpdateCommand
    private const uint UpdateDelete = 2;
    private const uint UpdateAddLast = 3;

    // virNetworkUpdateSection
    private const uint SectionIpDhcpHost = 4;

    // -1: the <ip> that has the <dhcp> element.
    private const int AnyDhcpIp = -1;

    private readonly SafeNetworkHandle _handle;

    internal LibvirtNetwork(string name, SafeNetworkHandle handle)
    {
        Name = name;
        _handle = handle;
    }

    public string Name { get; }

    /// <summary>virNetworkIsActive: its bridge exists and dnsmasq serves it.</summary>
    public Task<bool> IsActiveAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.NetworkIsActive(_handle), cancellationToken);

    /// <summary>virNetworkCreate.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.NetworkCreate(_handle), cancellationToken);

    /// <summary>virNetworkDestroy: dnsmasq stops and libvirt deletes the bridge.</summary>
    public Task DestroyAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.NetworkDestroy(_handle), cancellationToken);

    /// <summary>virNetworkUndefine.</summary>
    public Task UndefineAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.NetworkUndefine(_handle), cancellationToken);

    /// <summary>virNetworkSetAutostart.</summary>
    public Task SetAutostartAsync(bool autostart, CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.NetworkSetAutostart(_handle, autostart), cancellationToken);

    /// <summary>virNetworkGetXMLDesc: the running network's XML, or with <paramref name="inactive"/> the persistent config.</summary>
    public Task<string> GetXmlAsync(bool inactive, CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.NetworkGetXmlDesc(_handle, inactive ? XmlInactive : 0), cancellationToken);

    /// <summary>The parsed XML (see <see cref="GetXmlAsync"/>).</summary>
    public async Task<NetworkDescription> DescribeAsync(bool inactive, CancellationToken cancellationToken = default) =>
        NetworkDescription.Parse(await GetXmlAsync(inactive, cancellationToken));

    /// <summary>
    /// virNetworkUpdate ADD_LAST of a reservation in <paramref name="scope"/> (live: dnsmasq
    /// re-reads its hosts file at once; config: kept across libvirtd and network restarts).
    /// libvirt refuses it when an entry with the same MAC or address exists in that scope.
    /// </summary>
    public Task AddDhcpHostAsync(DhcpHost host, NetworkModification scope, CancellationToken cancellationToken = default)
    {
        var xml = host.ToXml();
        return LibvirtCall.RunAsync(() => Interop.Libvirt.NetworkUpdate(_handle, UpdateAddLast, SectionIpDhcpHost, AnyDhcpIp, xml, (uint)scope), cancellationToken);
    }

    /// <summary>virNetworkUpdate DELETE of the reservation with this MAC and address; libvirt refuses it when the scope has none.</summary>
    public Task RemoveDhcpHostAsync(DhcpHost host, NetworkModification scope, CancellationToken cancellationToken = default)
    {
        var xml = host.ToXml();
        return LibvirtCall.RunAsync(() => Interop.Libvirt.NetworkUpdate(_handle, UpdateDelete, SectionIpDhcpHost, AnyDhcpIp, xml, (uint)scope), cancellationToken);
    }

    /// <summary>virNetworkGetDHCPLeases: what dnsmasq has handed out (all MACs when <paramref name="macAddress"/> is null).</summary>
    public Task<IReadOnlyList<DhcpLease>> GetDhcpLeasesAsync(string? macAddress = null, CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync<IReadOnlyList<DhcpLease>>(() => Interop.Libvirt.NetworkGetDhcpLeases(_handle, macAddress?.ToLowerInvariant()), cancellationToken);

    public void Dispose() => _handle.Dispose();
}

/// <summary>virNetworkUpdateFlags: which definition a change applies to.</summary>
[Flags]
internal enum NetworkModification
{
    /// <summary>VIR_NETWORK_UPDATE_AFFECT_LIVE: the running network (its dnsmasq).</summary>
    Live = 1 << 0,

    /// <summary>VIR_NETWORK_UPDATE_AFFECT_CONFIG: the persistent definition.</summary>
    Config = 1 << 1,
}

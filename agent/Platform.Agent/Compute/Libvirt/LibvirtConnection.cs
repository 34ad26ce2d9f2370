using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Platform.Agent.Compute.Libvirt;

/// <summary>
/// A connection to one host's libvirt (e.g. <c>qemu:///system?socket=…</c>). Thread-safe: libvirt
/// serializes what it must, so calls may overlap. Every call that reaches the daemon runs off the
/// caller's thread (see <see cref="LibvirtCall"/> for what cancellation can and cannot stop).
/// When a <see cref="LibvirtEventLoop"/> runs at open time the connection also delivers domain
/// events (<see cref="SubscribeDomainEvents"/>) and keeps itself alive with libvirt's keepalive:
/// a daemon that stops answering for about 30 s closes the connection instead of hanging calls.
/// </summary>
internal sealed class LibvirtConnection : IDisposable
{
    // virsh's defaults are 5 s / 6; libvirtd's own are 5 s / 5.
    private const int KeepAliveIntervalSeconds = 5;
    private const uint KeepAliveCount = 5;

    private readonly SafeConnectHandle _handle;
    private readonly DomainEventHub? _events;

    private LibvirtConnection(string uri, SafeConnectHandle handle, DomainEventHub? events, ILogger logger)
    {
        Uri = uri;
        _handle = handle;
        _events = events;
        Logger = logger;
    }

    public string Uri { get; }

    /// <summary>Whether this connection delivers domain events (an event loop ran when it opened).</summary>
    public bool DeliversEvents => _events is not null;

    internal ILogger Logger { get; }

    /// <summary>virConnectOpen; registers the domain event callbacks when an event loop is running.</summary>
    public static Task<LibvirtConnection> OpenAsync(string uri, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        logger ??= NullLogger.Instance;
        return LibvirtCall.RunAsync(() => Open(uri, logger), cancellationToken);
    }

    private static LibvirtConnection Open(string uri, ILogger logger)
    {
        var withEvents = LibvirtEventLoop.IsRunning;
        var handle = Interop.Libvirt.ConnectOpen(uri);
        try
        {
            DomainEventHub? events = null;
            if (withEvents)
            {
                try
                {
                    Interop.Libvirt.ConnectSetKeepAlive(handle, KeepAliveIntervalSeconds, KeepAliveCount);
                }
                catch (LibvirtNotSupportedException)
                {
                    // In-process drivers (test:///default) have no daemon to keep alive.
                }
                events = new DomainEventHub(logger);
                Interop.Libvirt.ConnectDomainEventsRegister(handle, events);
            }
            LibvirtLog.Connected(logger, uri, withEvents);
            return new LibvirtConnection(uri, handle, events, logger);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>virConnectIsAlive: false once the daemon side is gone; open a new connection then.</summary>
    public bool IsAlive => !_handle.IsClosed && Interop.Libvirt.ConnectIsAlive(_handle);

    /// <summary>
    /// Domain events (all domains of this connection) from now on. Throws when the connection
    /// was opened without a running <see cref="LibvirtEventLoop"/>.
    /// </summary>
    public DomainEventSubscription SubscribeDomainEvents()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return _events?.Subscribe() ?? throw new InvalidOperationException(
            $"the connection to {Uri} was opened without a running libvirt event loop and delivers no events");
    }

    /// <summary>virNodeGetInfo.</summary>
    public Task<NodeInfo> GetNodeInfoAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.NodeGetInfo(_handle), cancellationToken);

    /// <summary>virNodeGetFreeMemory, in bytes.</summary>
    public Task<ulong> GetFreeMemoryAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.NodeGetFreeMemory(_handle), cancellationToken);

    /// <summary>virConnectGetLibVersion and virConnectGetVersion.</summary>
    public Task<LibvirtVersions> GetVersionsAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => new LibvirtVersions(
            Interop.Libvirt.ConnectGetLibVersion(_handle),
            Interop.Libvirt.ConnectGetVersion(_handle)), cancellationToken);

    /// <summary>virConnectListAllDomains. The caller disposes the domains.</summary>
    public Task<IReadOnlyList<LibvirtDomain>> ListDomainsAsync(DomainListFilter filter = DomainListFilter.All, CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync<IReadOnlyList<LibvirtDomain>>(() =>
        {
            var handles = Interop.Libvirt.ConnectListAllDomains(_handle, (uint)filter);
            return [.. handles.Select(handle => new LibvirtDomain(this, handle))];
        }, cancellationToken);

    /// <summary>virDomainLookupByName; <see cref="LibvirtDomainNotFoundException"/> when there is none.</summary>
    public Task<LibvirtDomain> GetDomainAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return LibvirtCall.RunAsync(() => new LibvirtDomain(this, Interop.Libvirt.DomainLookupByName(_handle, name)), cancellationToken);
    }

    /// <summary>virDomainLookupByUUIDString; <see cref="LibvirtDomainNotFoundException"/> when there is none.</summary>
    public Task<LibvirtDomain> GetDomainAsync(Guid uuid, CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => new LibvirtDomain(this, Interop.Libvirt.DomainLookupByUuid(_handle, uuid)), cancellationToken);

    /// <summary>The domain, or null when libvirt has none of that name.</summary>
    public async Task<LibvirtDomain?> FindDomainAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetDomainAsync(name, cancellationToken);
        }
        catch (LibvirtDomainNotFoundException)
        {
            return null;
        }
    }

    /// <summary>virDomainDefineXML of <paramref name="definition"/> (defines, or redefines the domain of that name and UUID).</summary>
    public Task<LibvirtDomain> DefineDomainAsync(DomainDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return DefineDomainXmlAsync(definition.ToXml(), cancellationToken);
    }

    /// <summary>virDomainDefineXML of a complete domain document.</summary>
    public Task<LibvirtDomain> DefineDomainXmlAsync(string xml, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return LibvirtCall.RunAsync(() => new LibvirtDomain(this, Interop.Libvirt.DomainDefineXml(_handle, xml)), cancellationToken);
    }

    /// <summary>
    /// virDomainCreateXML with VIR_DOMAIN_START_AUTODESTROY: a transient domain, started at once,
    /// that libvirt destroys when it stops or when this connection closes (the agent dies).
    /// </summary>
    public Task<LibvirtDomain> CreateTransientDomainXmlAsync(string xml, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return LibvirtCall.RunAsync(() => new LibvirtDomain(this, Interop.Libvirt.DomainCreateXml(_handle, xml, Interop.Libvirt.DomainStartAutoDestroy)), cancellationToken);
    }

    /// <summary>
    /// virConnectGetDomainCapabilities of x86_64 guests of <paramref name="virtualization"/>; a
    /// <see cref="LibvirtException"/> when libvirt cannot offer that type on this host.
    /// </summary>
    public Task<string> GetDomainCapabilitiesAsync(VirtualizationType virtualization, CancellationToken cancellationToken = default)
    {
        var type = virtualization == VirtualizationType.Kvm ? "kvm" : "qemu";
        return LibvirtCall.RunAsync(() => Interop.Libvirt.ConnectGetDomainCapabilities(_handle, "x86_64", type), cancellationToken);
    }

    /// <summary>virSecretDefineXML of <paramref name="definition"/>; set its value with <see cref="LibvirtSecret.SetValueAsync"/>.</summary>
    public Task<LibvirtSecret> DefineSecretAsync(CephSecretDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var xml = definition.ToXml();
        return LibvirtCall.RunAsync(() => new LibvirtSecret(Interop.Libvirt.SecretDefineXml(_handle, xml)), cancellationToken);
    }

    /// <summary>virSecretLookupByUUIDString; <see cref="LibvirtSecretNotFoundException"/> when there is none.</summary>
    public Task<LibvirtSecret> GetSecretAsync(Guid uuid, CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => new LibvirtSecret(Interop.Libvirt.SecretLookupByUuid(_handle, uuid)), cancellationToken);

    /// <summary>virSecretLookupByUsage; <see cref="LibvirtSecretNotFoundException"/> when there is none.</summary>
    public Task<LibvirtSecret> GetSecretAsync(SecretUsageType usageType, string usage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return LibvirtCall.RunAsync(() => new LibvirtSecret(Interop.Libvirt.SecretLookupByUsage(_handle, (int)usageType, usage)), cancellationToken);
    }

    /// <summary>virNetworkLookupByName; <see cref="LibvirtNetworkNotFoundException"/> when there is none.</summary>
    public Task<LibvirtNetwork> GetNetworkAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return LibvirtCall.RunAsync(() => new LibvirtNetwork(name, Interop.Libvirt.NetworkLookupByName(_handle, name)), cancellationToken);
    }

    /// <summary>The network, or null when libvirt has none of that name.</summary>
    public async Task<LibvirtNetwork?> FindNetworkAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetNetworkAsync(name, cancellationToken);
        }
        catch (LibvirtNetworkNotFoundException)
        {
            return null;
        }
    }

    /// <summary>virNetworkDefineXML of <paramref name="definition"/> (defines, or replaces the persistent config of the network of that name).</summary>
    public Task<LibvirtNetwork> DefineNetworkAsync(NetworkDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var xml = definition.ToXml();
        return LibvirtCall.RunAsync(() => new LibvirtNetwork(definition.Name, Interop.Libvirt.NetworkDefineXml(_handle, xml)), cancellationToken);
    }

    /// <summary>
    /// Deregisters the event callbacks and closes the connection; subscriptions' streams end.
    /// Domains and secrets obtained from it keep working until they are disposed themselves.
    /// </summary>
    public void Dispose()
    {
        _handle.Dispose();
        _events?.Complete();
    }
}

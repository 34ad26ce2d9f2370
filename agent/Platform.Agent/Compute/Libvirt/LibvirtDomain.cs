using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Platform.Agent.Compute.Libvirt;

/// <summary>
/// One libvirt domain (a handle to it: disposing it leaves the domain alone). Name and UUID are
/// read once; every other member asks the daemon, off the caller's thread.
/// </summary>
internal sealed class LibvirtDomain : IDisposable
{
    // virDomainXMLFlags
    private const uint XmlInactive = 1 << 1;

    // virDomainShutdownFlagValues
    private const uint ShutdownAcpiPowerButton = 1 << 0;

    private static readonly TimeSpan LiveXmlPollInterval = TimeSpan.FromMilliseconds(250);

    private readonly LibvirtConnection _connection;
    private readonly SafeDomainHandle _handle;

    internal LibvirtDomain(LibvirtConnection connection, SafeDomainHandle handle)
    {
        _connection = connection;
        _handle = handle;
        try
        {
            Name = Interop.Libvirt.DomainGetName(handle);
            Uuid = Interop.Libvirt.DomainGetUuid(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public string Name { get; }

    public Guid Uuid { get; }

    public override string ToString() => $"{Name} ({Uuid})";

    /// <summary>virDomainCreate: boots the defined domain; returns once qemu runs (not once the guest is up).</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.DomainCreate(_handle), cancellationToken);

    /// <summary>
    /// virDomainShutdownFlags with VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN: presses the power button
    /// and returns. The domain is off only once its state is <see cref="DomainState.ShutOff"/>
    /// (or a Stopped event arrived); a guest without an OS or ACPI support never gets there.
    /// </summary>
    public Task ShutdownAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.DomainShutdown(_handle, ShutdownAcpiPowerButton), cancellationToken);

    /// <summary>virDomainDestroy: pulls the plug at once.</summary>
    public Task DestroyAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.DomainDestroy(_handle), cancellationToken);

    /// <summary>virDomainUndefineFlags. A running domain keeps running, as a transient one, until it stops.</summary>
    public Task UndefineAsync(DomainUndefineOptions options = DomainUndefineOptions.None, CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.DomainUndefine(_handle, (uint)options), cancellationToken);

    /// <summary>virDomainGetState.</summary>
    public Task<DomainStateInfo> GetStateAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() =>
        {
            var (state, reason) = Interop.Libvirt.DomainGetState(_handle);
            return new DomainStateInfo((DomainState)state, reason);
        }, cancellationToken);

    /// <summary>virDomainIsActive.</summary>
    public Task<bool> IsActiveAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.DomainIsActive(_handle), cancellationToken);

    /// <summary>virDomainGetXMLDesc: the live definition, or with <paramref name="inactive"/> the persistent one (next boot).</summary>
    public Task<string> GetXmlDescriptionAsync(bool inactive = false, CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.DomainGetXmlDesc(_handle, inactive ? XmlInactive : 0), cancellationToken);

    /// <summary>The disks and NICs of the live (or, with <paramref name="inactive"/>, persistent) definition.</summary>
    public async Task<DomainDescription> DescribeAsync(bool inactive = false, CancellationToken cancellationToken = default) =>
        DomainDescription.Parse(await GetXmlDescriptionAsync(inactive, cancellationToken));

    /// <summary>virDomainAttachDeviceFlags. By default live and persistent.</summary>
    public Task AttachDeviceAsync(DomainDevice device, DeviceModification scope = DeviceModification.Live | DeviceModification.Config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        var xml = device.ToXml();
        return LibvirtCall.RunAsync(() => Interop.Libvirt.DomainAttachDevice(_handle, xml, (uint)scope), cancellationToken);
    }

    /// <summary>
    /// virDomainDetachDeviceFlags, and nothing more: success means libvirt asked the guest, not
    /// that the device is gone. For a live detach the qemu driver waits up to 5 s for the guest
    /// and returns success either way; a guest that ignores the request (no OS, no hot-plug
    /// driver) keeps the device while the persistent copy is already removed. Use
    /// <see cref="DetachDeviceAndConfirmAsync"/> to know.
    /// </summary>
    public Task DetachDeviceAsync(DomainDevice device, DeviceModification scope = DeviceModification.Live | DeviceModification.Config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        var xml = device.ToXml();
        return LibvirtCall.RunAsync(() => Interop.Libvirt.DomainDetachDevice(_handle, xml, (uint)scope), cancellationToken);
    }

    /// <summary>
    /// Detaches the device and finds out whether it really left the running domain: waits up
    /// to <paramref name="timeout"/> (counted from the request) for DEVICE_REMOVED with the
    /// device's alias, or without events polls the live XML, and finally re-reads the live
    /// XML. <see cref="DeviceDetachOutcome.StillAttached"/> means the guest has not released
    /// the device (it may still do so later; the request stays pending in qemu).
    /// </summary>
    public async Task<DeviceDetachResult> DetachDeviceAndConfirmAsync(
        DomainDevice device,
        TimeSpan timeout,
        DeviceModification scope = DeviceModification.Live | DeviceModification.Config,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!scope.HasFlag(DeviceModification.Live))
        {
            throw new ArgumentException("only a live detach can be confirmed", nameof(scope));
        }
        var alias = device.Alias;
        var clock = Stopwatch.StartNew();
        // Subscribed before the request: the event may arrive before libvirt's call returns.
        using var events = _connection.DeliversEvents ? _connection.SubscribeDomainEvents() : null;

        await DetachDeviceAsync(device, scope, cancellationToken);
        var requestDuration = clock.Elapsed;

        if (events is not null)
        {
            var removed = await events.WaitForAsync<DomainDeviceRemovedEvent>(
                e => e.DomainUuid == Uuid && e.DeviceAlias == alias, Remaining(timeout, clock), cancellationToken);
            if (removed is not null)
            {
                return new DeviceDetachResult(DeviceDetachOutcome.RemovedEventReceived, requestDuration, clock.Elapsed);
            }
        }
        else
        {
            while (clock.Elapsed < timeout)
            {
                if (!(await DescribeAsync(inactive: false, cancellationToken)).HasDevice(alias))
                {
                    return new DeviceDetachResult(DeviceDetachOutcome.GoneFromLiveXml, requestDuration, clock.Elapsed);
                }
                await Task.Delay(LiveXmlPollInterval, cancellationToken);
            }
        }

        // The last word is the live definition's: an event lost on a reconnect must not turn a
        // removed device into an attached one.
        if (!(await DescribeAsync(inactive: false, cancellationToken)).HasDevice(alias))
        {
            return new DeviceDetachResult(DeviceDetachOutcome.GoneFromLiveXml, requestDuration, clock.Elapsed);
        }
        LibvirtLog.DeviceStillAttached(_connection.Logger, Name, alias, clock.Elapsed.TotalSeconds);
        return new DeviceDetachResult(DeviceDetachOutcome.StillAttached, requestDuration, clock.Elapsed);
    }

    /// <summary>virDomainInterfaceAddresses from <paramref name="source"/>; NICs without a known address may be left out.</summary>
    public Task<IReadOnlyList<DomainInterfaceAddresses>> GetInterfaceAddressesAsync(InterfaceAddressSource source, CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync<IReadOnlyList<DomainInterfaceAddresses>>(
            () => Interop.Libvirt.DomainInterfaceAddresses(_handle, (uint)source), cancellationToken);

    public void Dispose() => _handle.Dispose();

    private static TimeSpan Remaining(TimeSpan timeout, Stopwatch clock)
    {
        var remaining = timeout - clock.Elapsed;
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }
}

/// <summary>What became of a device after a live detach request.</summary>
internal enum DeviceDetachOutcome
{
    /// <summary>libvirt reported DEVICE_REMOVED for the device's alias.</summary>
    RemovedEventReceived,

    /// <summary>No event seen (or none available), but the live definition no longer has the device.</summary>
    GoneFromLiveXml,

    /// <summary>The live definition still has the device when the wait ended.</summary>
    StillAttached,
}

/// <summary>The outcome, how long libvirt's detach call took, and how long until the outcome was known.</summary>
internal sealed record DeviceDetachResult(DeviceDetachOutcome Outcome, TimeSpan RequestDuration, TimeSpan Elapsed)
{
    public bool Removed => Outcome != DeviceDetachOutcome.StillAttached;
}

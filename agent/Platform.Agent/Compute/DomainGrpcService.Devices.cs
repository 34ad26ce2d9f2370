using Platform.Agent.Compute.Libvirt;
using Platform.Contracts.Agent.V1;
using Grpc.Core;

namespace Platform.Agent.Compute;

/// <summary>
/// Hot-plug: attach live and persistent (persistent only while the domain is off); detach
/// reports success only once the device is gone from the live domain. A guest that does not
/// release it is asked again a bounded number of times, then the answer is FAILED_PRECONDITION.
/// </summary>
internal sealed partial class DomainGrpcService
{
    public override Task<DiskAttachment> AttachDisk(AttachDiskRequest request, ServerCallContext context)
    {
        DomainRequestValidator.Validate(request);
        return MutateAsync(request.Domain, request.OperationId, request, context, cancellation =>
            WithDomainAsync(request.Domain, async domain =>
            {
                var answer = new DiskAttachment { Domain = request.Domain, Disk = request.Disk };
                var (live, persistent) = await DescribeBothAsync(domain, cancellation);
                var present = live.FindDisk(request.Disk.Target) ?? persistent.FindDisk(request.Disk.Target);
                if (present is not null)
                {
                    return present.SourceName == request.Disk.Image
                        ? answer // Attached by an earlier request.
                        : throw new RpcException(new Status(StatusCode.AlreadyExists, $"domain '{request.Domain}' already has a disk on {request.Disk.Target} ({present.SourceName ?? present.SourceFile})"));
                }
                if (live.Disks.Concat(persistent.Disks).Any(d => d.SourceName == request.Disk.Image))
                {
                    throw new RpcException(new Status(StatusCode.AlreadyExists, $"image {request.Disk.Image} is already attached to domain '{request.Domain}'"));
                }
                await RequireImagesAsync([request.Disk.Image], cancellation);
                var connection = await ConnectAsync(cancellation);
                var (cephConfig, secret) = await CephForDisksAsync(connection, cancellation);
                await domain.AttachDeviceAsync(DomainMapping.ToDevice(request.Disk, cephConfig, secret), await ScopeAsync(domain, cancellation), cancellation);
                LogAttached(logger, request.Domain, request.Disk.Target, request.Disk.Image, request.OperationId);
                return answer;
            }, cancellation));
    }

    public override Task<DetachDiskResponse> DetachDisk(DetachDiskRequest request, ServerCallContext context)
    {
        DomainRequestValidator.Validate(request);
        return MutateAsync(request.Domain, request.OperationId, request, context, cancellation =>
            WithDomainAsync(request.Domain, async domain =>
            {
                var (live, persistent) = await DescribeBothAsync(domain, cancellation);
                var disk = live.FindDisk(request.Target) ?? persistent.FindDisk(request.Target)
                    ?? throw new RpcException(new Status(StatusCode.NotFound, $"domain '{request.Domain}' has no disk on {request.Target}"));
                var alias = disk.Alias is { } known && DeviceAlias.IsValid(known) ? known
                    : throw LibvirtStatus.Precondition($"disk {request.Target} of '{request.Domain}' was not attached by the agent (alias {disk.Alias ?? "none"}) and cannot be detached safely");
                // Detach matches disks by target; the alias is what DEVICE_REMOVED reports.
                var device = new FileDiskDevice { Path = "/dev/null", TargetDev = request.Target, Alias = alias, DirectIo = false };
                await DetachAsync(domain, device, live.HasDevice(alias), persistent.HasDevice(alias), $"disk {request.Target}", context, cancellation);
                LogDetached(logger, request.Domain, request.Target, request.OperationId);
                return new DetachDiskResponse();
            }, cancellation));
    }

    public override Task<NicAttachment> AttachNic(AttachNicRequest request, ServerCallContext context)
    {
        DomainRequestValidator.Validate(request);
        return MutateAsync(request.Domain, request.OperationId, request, context, cancellation =>
            WithDomainAsync(request.Domain, async domain =>
            {
                var device = DomainMapping.ToDevice(request.Nic, Options.Bridge);
                var answer = new NicAttachment { Domain = request.Domain, Nic = new Nic { Mac = device.MacAddress, Bridge = device.Bridge } };
                var (live, persistent) = await DescribeBothAsync(domain, cancellation);
                var present = live.FindNic(device.MacAddress) ?? persistent.FindNic(device.MacAddress);
                if (present is not null && present.Bridge != device.Bridge)
                {
                    throw new RpcException(new Status(StatusCode.AlreadyExists, $"domain '{request.Domain}' already has NIC {device.MacAddress} on bridge {present.Bridge}"));
                }
                // Before the guest sees the NIC: its DHCP client asks at once.
                await ReserveAddressesAsync(request.Domain, [request.Nic], cancellation);
                if (present is not null)
                {
                    return answer;
                }
                try
                {
                    await domain.AttachDeviceAsync(device, await ScopeAsync(domain, cancellation), cancellation);
                }
                catch (LibvirtException) when (request.Nic.Ip.Length > 0)
                {
                    await ReleaseAddressesAsync([new NicInfo("bridge", device.MacAddress, device.Bridge, null, device.Alias, null)], CancellationToken.None);
                    throw;
                }
                LogAttached(logger, request.Domain, device.MacAddress, device.Bridge, request.OperationId);
                return answer;
            }, cancellation));
    }

    public override Task<DetachNicResponse> DetachNic(DetachNicRequest request, ServerCallContext context)
    {
        DomainRequestValidator.Validate(request);
        return MutateAsync(request.Domain, request.OperationId, request, context, cancellation =>
            WithDomainAsync(request.Domain, async domain =>
            {
                var (live, persistent) = await DescribeBothAsync(domain, cancellation);
                var nic = live.FindNic(request.Mac) ?? persistent.FindNic(request.Mac);
                if (nic is null)
                {
                    // Detached by an earlier request that did not get to release the address.
                    await ReleaseAddressesAsync([new NicInfo("bridge", request.Mac, null, null, null, null)], cancellation);
                    throw new RpcException(new Status(StatusCode.NotFound, $"domain '{request.Domain}' has no NIC {request.Mac}"));
                }
                var alias = nic.Alias is { } known && DeviceAlias.IsValid(known) ? known
                    : throw LibvirtStatus.Precondition($"NIC {request.Mac} of '{request.Domain}' was not attached by the agent (alias {nic.Alias ?? "none"}) and cannot be detached safely");
                // Detach matches interfaces by MAC.
                var device = new BridgeNicDevice { Bridge = nic.Bridge ?? Options.Bridge, MacAddress = nic.MacAddress!, Alias = alias };
                await DetachAsync(domain, device, live.HasDevice(alias), persistent.HasDevice(alias), $"NIC {request.Mac}", context, cancellation);
                await ReleaseAddressesAsync([nic], cancellation);
                LogDetached(logger, request.Domain, request.Mac, request.OperationId);
                return new DetachNicResponse();
            }, cancellation));
    }

    /// <summary>
    /// Removes the device from the persistent definition and, if the domain runs, from the live
    /// one: asks the guest up to <see cref="ComputeOptions.DetachAttempts"/> times within the
    /// call's deadline and returns only when the live XML no longer has it.
    /// </summary>
    private async Task DetachAsync(LibvirtDomain domain, DomainDevice device, bool inLive, bool inPersistent, string what, ServerCallContext context, CancellationToken cancellation)
    {
        var active = await domain.IsActiveAsync(cancellation);
        if (!active || !inLive)
        {
            if (inPersistent)
            {
                await domain.DetachDeviceAsync(device, DeviceModification.Config, cancellation);
            }
            return;
        }
        var state = await domain.GetStateAsync(cancellation);
        if (DomainStateReasons.CannotReact(state.State))
        {
            throw LibvirtStatus.NotRunning(domain.Name, state, $"release {what}");
        }
        var budget = Budget(context, Options.DetachTimeout * Options.DetachAttempts);
        var started = clock.GetTimestamp();
        var scope = inPersistent ? DeviceModification.Live | DeviceModification.Config : DeviceModification.Live;
        for (var attempt = 1; attempt <= Options.DetachAttempts; attempt++)
        {
            var left = budget - clock.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                break;
            }
            var timeout = left < Options.DetachTimeout ? left : Options.DetachTimeout;
            try
            {
                var result = await domain.DetachDeviceAndConfirmAsync(device, timeout, scope, cancellation);
                LogDetachAttempt(logger, domain.Name, what, attempt, result.Outcome, result.Elapsed.TotalSeconds);
                if (result.Removed)
                {
                    return;
                }
            }
            catch (LibvirtException e) when (attempt > 1 || e is LibvirtDeviceMissingException)
            {
                // A repeated request while qemu still has the first pending, or the device left
                // between our look and the request: the live XML decides.
                LogDetachAttemptFailed(logger, domain.Name, what, attempt, e.Message);
                if (!(await domain.DescribeAsync(inactive: false, cancellation)).HasDevice(device.Alias))
                {
                    return;
                }
            }
            // The persistent copy is gone after the first request; later ones are live only.
            scope = DeviceModification.Live;
        }
        LogGuestKeptDevice(logger, domain.Name, what, clock.GetElapsedTime(started).TotalSeconds);
        throw LibvirtStatus.Precondition(
            $"guest did not release {what} of '{domain.Name}' within {clock.GetElapsedTime(started).TotalSeconds:0.#} s ({Options.DetachAttempts} requests at most); it is still attached to the running domain, removed from its persistent definition");
    }

    private static async Task<(DomainDescription Live, DomainDescription Persistent)> DescribeBothAsync(LibvirtDomain domain, CancellationToken cancellation) =>
        (await domain.DescribeAsync(inactive: false, cancellation), await domain.DescribeAsync(inactive: true, cancellation));

    private static async Task<DeviceModification> ScopeAsync(LibvirtDomain domain, CancellationToken cancellation) =>
        await domain.IsActiveAsync(cancellation) ? DeviceModification.Live | DeviceModification.Config : DeviceModification.Config;
}

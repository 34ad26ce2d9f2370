using Platform.Agent.Compute.Libvirt;
using Platform.Contracts.Agent.V1;

namespace Platform.Agent.Compute;

/// <summary>
/// The NICs' DHCP reservations (<see cref="DhcpReservations"/>) follow the NICs: reserved before
/// a NIC reaches the guest (define and start, attach), so its first DHCP request is answered;
/// released once it has left (detach, undefine). A powered-off domain keeps its reservations.
/// </summary>
internal sealed partial class DomainGrpcService
{
    /// <summary>Reserves the address of every NIC that carries one; FAILED_PRECONDITION when this host's network cannot serve it.</summary>
    private async Task ReserveAddressesAsync(string domain, IEnumerable<Nic> nics, CancellationToken cancellation)
    {
        foreach (var nic in nics.Where(n => n.Ip.Length > 0))
        {
            var device = DomainMapping.ToDevice(nic, Options.Bridge);
            if (await dhcp.ReserveAsync(device.Bridge, device.MacAddress, nic.Ip, cancellation) is { } problem)
            {
                LogReservationRefused(logger, domain, device.MacAddress, nic.Ip, problem);
                throw LibvirtStatus.Precondition($"NIC {device.MacAddress} of '{domain}' cannot get {nic.Ip} from DHCP: {problem}");
            }
        }
    }

    /// <summary>
    /// Releases the reservations of these NICs (each on its own bridge's network). It runs after
    /// the NIC or domain is gone, so a failure does not fail the command: the reservation left
    /// behind is stale, and is replaced when its MAC or address is handed out again.
    /// </summary>
    private async Task ReleaseAddressesAsync(IEnumerable<NicInfo> nics, CancellationToken cancellation)
    {
        foreach (var group in nics.Where(n => n.MacAddress is not null).GroupBy(n => n.Bridge ?? Options.Bridge, StringComparer.Ordinal))
        {
            try
            {
                await dhcp.ReleaseAsync(group.Key, [.. group.Select(n => n.MacAddress!)], cancellation);
            }
            catch (LibvirtException e)
            {
                LogReleaseFailed(logger, group.Key, string.Join(", ", group.Select(n => n.MacAddress)), e.Message);
            }
        }
    }

    [LoggerMessage(EventId = 3145, Level = LogLevel.Warning, Message = "NIC {Mac} of {Domain} gets no DHCP reservation for {Ip}: {Reason}")]
    private static partial void LogReservationRefused(ILogger logger, string domain, string mac, string ip, string reason);

    [LoggerMessage(EventId = 3146, Level = LogLevel.Warning, Message = "DHCP reservations of {Macs} stay in the network of bridge {Bridge}, stale until their MAC or address is reused: {Reason}")]
    private static partial void LogReleaseFailed(ILogger logger, string bridge, string macs, string reason);
}

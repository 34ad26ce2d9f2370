using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Agent.Compute;

/// <summary>
/// Ends a lease in a running dnsmasq by sending it the DHCPRELEASE its client would have sent
/// (RFC 2131 §4.4.6), as dnsmasq's own dhcp_release tool does. Removing a reservation does not
/// end its lease: dnsmasq keeps the lease (libvirt's lease helper even keeps it across dnsmasq
/// restarts), and refuses to give a reserved address that is still leased to another MAC. So a
/// freed address would not reach its next NIC's guest until the lease expired (an hour).
/// </summary>
internal static class DhcpRelease
{
    private const int ServerPort = 67;

    // SOL_SOCKET / SO_BINDTODEVICE (asm-generic/socket.h): the packet must arrive as if on the
    // bridge, where dnsmasq serves; sent to the bridge's own address it is delivered locally
    // with the bridge as its interface.
    private const int SolSocket = 1;
    private const int SoBindToDevice = 25;

    /// <summary>Sends the release of <paramref name="ip"/> held by <paramref name="macAddress"/> to the DHCP server <paramref name="server"/> on <paramref name="bridge"/>.</summary>
    public static async Task SendAsync(string bridge, string server, string ip, string macAddress, CancellationToken cancellationToken)
    {
        var packet = Build(server, ip, macAddress);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.SetRawSocketOption(SolSocket, SoBindToDevice, Encoding.ASCII.GetBytes(bridge + "\0"));
        await socket.SendToAsync(packet, new IPEndPoint(IPAddress.Parse(server), ServerPort), cancellationToken);
    }

    /// <summary>A BOOTREQUEST with ciaddr = the leased address, chaddr = the MAC, options 53 (DHCPRELEASE) and 54 (server id).</summary>
    internal static byte[] Build(string server, string ip, string macAddress)
    {
        if (!DhcpHost.IsUnicastIpv4(server) || !DhcpHost.IsUnicastIpv4(ip) || !MacAddresses.IsValidUnicast(macAddress))
        {
            throw new ArgumentException($"cannot release {ip} of {macAddress} at server {server}: not IPv4 addresses and a MAC");
        }
        var packet = new byte[240 + 3 + 6 + 1];
        packet[0] = 1; // op: BOOTREQUEST
        packet[1] = 1; // htype: Ethernet
        packet[2] = 6; // hlen
        RandomNumberGenerator.Fill(packet.AsSpan(4, 4)); // xid
        IPAddress.Parse(ip).GetAddressBytes().CopyTo(packet, 12); // ciaddr
        Convert.FromHexString(macAddress.Replace(":", "", StringComparison.Ordinal)).CopyTo(packet, 28); // chaddr
        byte[] cookie = [99, 130, 83, 99];
        cookie.CopyTo(packet, 236);
        packet[240] = 53; // DHCP message type
        packet[241] = 1;
        packet[242] = 7; // DHCPRELEASE
        packet[243] = 54; // server identifier
        packet[244] = 4;
        IPAddress.Parse(server).GetAddressBytes().CopyTo(packet, 245);
        packet[249] = 255; // end
        return packet;
    }
}

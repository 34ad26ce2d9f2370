using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Platform.Agent.Compute.Libvirt;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeNetworkHandle virNetworkLookupByName(SafeConnectHandle conn, string name);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeNetworkHandle virNetworkDefineXML(SafeConnectHandle conn, string xml);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virNetworkCreate(SafeNetworkHandle network);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virNetworkDestroy(SafeNetworkHandle network);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virNetworkUndefine(SafeNetworkHandle network);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virNetworkIsActive(SafeNetworkHandle network);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virNetworkSetAutostart(SafeNetworkHandle network, int autostart);

        [LibraryImport(Libraries.Libvirt)]
        private static partial byte* virNetworkGetXMLDesc(SafeNetworkHandle network, uint flags);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int virNetworkUpdate(SafeNetworkHandle network, uint command, uint section, int parentIndex, string xml, uint flags);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virNetworkFree(nint network);

        // struct _virNetworkDHCPLease (libvirt-network.h). Only read through the pointers libvirt returns.
        [StructLayout(LayoutKind.Sequential)]
        private struct virNetworkDHCPLease
        {
            public byte* iface;
            public long expirytime;
            public int type;
            public byte* mac;
            public byte* iaid;
            public byte* ipaddr;
            public uint prefix;
            public byte* hostname;
            public byte* clientid;
        }

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int virNetworkGetDHCPLeases(SafeNetworkHandle network, string? mac, virNetworkDHCPLease*** leases, uint flags);

        [LibraryImport(Libraries.Libvirt)]
        private static partial void virNetworkDHCPLeaseFree(virNetworkDHCPLease* lease);

        /// <summary>virNetworkLookupByName; <c>LibvirtNetworkNotFoundException</c> when there is none.</summary>
        internal static SafeNetworkHandle NetworkLookupByName(SafeConnectHandle connection, string name) =>
            CheckNetwork(virNetworkLookupByName(connection, name), nameof(virNetworkLookupByName));

        /// <summary>virNetworkDefineXML: defines (or redefines the persistent config of) a network.</summary>
        internal static SafeNetworkHandle NetworkDefineXml(SafeConnectHandle connection, string xml) =>
            CheckNetwork(virNetworkDefineXML(connection, xml), nameof(virNetworkDefineXML));

        /// <summary>virNetworkCreate: starts a defined network (its bridge and dnsmasq).</summary>
        internal static void NetworkCreate(SafeNetworkHandle network) =>
            Check(virNetworkCreate(network), nameof(virNetworkCreate));

        /// <summary>virNetworkDestroy: stops the network (its bridge goes too).</summary>
        internal static void NetworkDestroy(SafeNetworkHandle network) =>
            Check(virNetworkDestroy(network), nameof(virNetworkDestroy));

        /// <summary>virNetworkUndefine: removes the persistent config.</summary>
        internal static void NetworkUndefine(SafeNetworkHandle network) =>
            Check(virNetworkUndefine(network), nameof(virNetworkUndefine));

        /// <summary>virNetworkIsActive.</summary>
        internal static bool NetworkIsActive(SafeNetworkHandle network)
        {
            var active = virNetworkIsActive(network);
            Check(active, nameof(virNetworkIsActive));
            return active == 1;
        }

        /// <summary>virNetworkSetAutostart: started with libvirtd.</summary>
        internal static void NetworkSetAutostart(SafeNetworkHandle network, bool autostart) =>
            Check(virNetworkSetAutostart(network, autostart ? 1 : 0), nameof(virNetworkSetAutostart));

        /// <summary>virNetworkGetXMLDesc (VIR_NETWORK_XML_INACTIVE = 1: the persistent config).</summary>
        internal static string NetworkGetXmlDesc(SafeNetworkHandle network, uint flags) =>
            TakeString(virNetworkGetXMLDesc(network, flags)) ?? throw GetExceptionForLastError(nameof(virNetworkGetXMLDesc));

        /// <summary>virNetworkUpdate (VIR_NETWORK_UPDATE_COMMAND_*, VIR_NETWORK_SECTION_*, VIR_NETWORK_UPDATE_AFFECT_*); parent index -1 picks the &lt;ip&gt; with &lt;dhcp&gt;.</summary>
        internal static void NetworkUpdate(SafeNetworkHandle network, uint command, uint section, int parentIndex, string xml, uint flags) =>
            Check(virNetworkUpdate(network, command, section, parentIndex, xml, flags), nameof(virNetworkUpdate));

        /// <summary>
        /// virNetworkGetDHCPLeases: the leases dnsmasq handed out (libvirt's lease file, which
        /// dnsmasq's lease helper keeps), optionally of one MAC. Leases and array are freed here.
        /// </summary>
        internal static DhcpLease[] NetworkGetDhcpLeases(SafeNetworkHandle network, string? mac)
        {
            virNetworkDHCPLease** leases = null;
            var count = virNetworkGetDHCPLeases(network, mac, &leases, 0);
            Check(count, nameof(virNetworkGetDHCPLeases));
            try
            {
                var result = new DhcpLease[count];
                for (var i = 0; i < count; i++)
                {
                    var lease = leases[i];
                    result[i] = new DhcpLease(
                        BorrowString(lease->mac) ?? "",
                        BorrowString(lease->ipaddr) ?? "",
                        DateTimeOffset.FromUnixTimeSeconds(lease->expirytime),
                        BorrowString(lease->clientid));
                }
                return result;
            }
            finally
            {
                for (var i = 0; i < count; i++)
                {
                    virNetworkDHCPLeaseFree(leases[i]);
                }
                Free(leases);
            }
        }

        /// <summary>From <see cref="SafeNetworkHandle"/>'s release.</summary>
        internal static bool ReleaseNetwork(nint network) => virNetworkFree(network) == 0;

        private static SafeNetworkHandle CheckNetwork(SafeNetworkHandle network, string function)
        {
            if (network.IsInvalid)
            {
                network.Dispose();
                throw GetExceptionForLastError(function);
            }
            return network;
        }
    }
}

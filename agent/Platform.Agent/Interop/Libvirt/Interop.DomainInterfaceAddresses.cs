using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Platform.Agent.Compute.Libvirt;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        // struct _virDomainInterfaceIPAddress (libvirt-domain.h)
        [StructLayout(LayoutKind.Sequential)]
        private struct virDomainIPAddress
        {
            public int type;
            public byte* addr;
            public uint prefix;
        }

        // struct _virDomainInterface (libvirt-domain.h)
        [StructLayout(LayoutKind.Sequential)]
        private struct virDomainInterface
        {
            public byte* name;
            public byte* hwaddr;
            public uint naddrs;
            public virDomainIPAddress* addrs;
        }

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainInterfaceAddresses(SafeDomainHandle domain, virDomainInterface*** ifaces, uint source, uint flags);

        [LibraryImport(Libraries.Libvirt)]
        private static partial void virDomainInterfaceFree(virDomainInterface* iface);

        /// <summary>
        /// virDomainInterfaceAddresses (VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_*). libvirt allocates
        /// an array of interface pointers: each is released with virDomainInterfaceFree (which
        /// frees its strings and address array), the array itself with free.
        /// </summary>
        internal static DomainInterfaceAddresses[] DomainInterfaceAddresses(SafeDomainHandle domain, uint source)
        {
            virDomainInterface** interfaces = null;
            var count = virDomainInterfaceAddresses(domain, &interfaces, source, 0);
            if (count < 0)
            {
                throw GetExceptionForLastError(nameof(virDomainInterfaceAddresses));
            }
            try
            {
                var result = new DomainInterfaceAddresses[count];
                for (var i = 0; i < count; i++)
                {
                    var iface = interfaces[i];
                    var addresses = new List<InterfaceAddress>((int)iface->naddrs);
                    for (var j = 0; j < iface->naddrs; j++)
                    {
                        var text = BorrowString(iface->addrs[j].addr);
                        if (text is not null && IPAddress.TryParse(text, out var address))
                        {
                            addresses.Add(new InterfaceAddress(address, (int)iface->addrs[j].prefix));
                        }
                    }
                    result[i] = new DomainInterfaceAddresses(BorrowString(iface->name) ?? "", BorrowString(iface->hwaddr), addresses);
                }
                return result;
            }
            finally
            {
                for (var i = 0; i < count; i++)
                {
                    virDomainInterfaceFree(interfaces[i]);
                }
                Free(interfaces);
            }
        }
    }
}

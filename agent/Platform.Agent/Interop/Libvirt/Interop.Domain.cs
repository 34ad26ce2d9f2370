using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Platform.Agent.Compute.Libvirt;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectListAllDomains(SafeConnectHandle conn, nint** domains, uint flags);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeDomainHandle virDomainLookupByName(SafeConnectHandle conn, string name);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeDomainHandle virDomainLookupByUUIDString(SafeConnectHandle conn, string uuid);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeDomainHandle virDomainDefineXML(SafeConnectHandle conn, string xml);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainFree(nint domain);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainUndefineFlags(SafeDomainHandle domain, uint flags);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainCreate(SafeDomainHandle domain);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainShutdownFlags(SafeDomainHandle domain, uint flags);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainDestroy(SafeDomainHandle domain);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainIsActive(SafeDomainHandle domain);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainGetState(SafeDomainHandle domain, int* state, int* reason, uint flags);

        [LibraryImport(Libraries.Libvirt)]
        private static partial byte* virDomainGetXMLDesc(SafeDomainHandle domain, uint flags);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int virDomainAttachDeviceFlags(SafeDomainHandle domain, string xml, uint flags);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int virDomainDetachDeviceFlags(SafeDomainHandle domain, string xml, uint flags);

        // Owned by the virDomainPtr: not to be freed.
        [LibraryImport(Libraries.Libvirt)]
        private static partial byte* virDomainGetName(SafeDomainHandle domain);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainGetUUIDString(SafeDomainHandle domain, byte* buffer);

        /// <summary>virConnectListAllDomains (VIR_CONNECT_LIST_DOMAINS_* filter flags; 0 is all).</summary>
        internal static SafeDomainHandle[] ConnectListAllDomains(SafeConnectHandle connection, uint flags)
        {
            nint* domains = null;
            var count = virConnectListAllDomains(connection, &domains, flags);
            if (count < 0)
            {
                throw GetExceptionForLastError(nameof(virConnectListAllDomains));
            }
            // The caller owns the array (free) and each element (virDomainFree): wrap every
            // element at once so none leaks whatever happens next.
            var handles = new SafeDomainHandle[count];
            try
            {
                for (var i = 0; i < count; i++)
                {
                    handles[i] = new SafeDomainHandle();
                    Marshal.InitHandle(handles[i], domains[i]);
                }
            }
            finally
            {
                Free(domains);
            }
            return handles;
        }

        /// <summary>virDomainLookupByName.</summary>
        internal static SafeDomainHandle DomainLookupByName(SafeConnectHandle connection, string name) =>
            CheckDomain(virDomainLookupByName(connection, name), nameof(virDomainLookupByName));

        /// <summary>virDomainLookupByUUIDString.</summary>
        internal static SafeDomainHandle DomainLookupByUuid(SafeConnectHandle connection, Guid uuid) =>
            CheckDomain(virDomainLookupByUUIDString(connection, uuid.ToString("D")), nameof(virDomainLookupByUUIDString));

        /// <summary>virDomainDefineXML: defines (or redefines) a persistent domain.</summary>
        internal static SafeDomainHandle DomainDefineXml(SafeConnectHandle connection, string xml) =>
            CheckDomain(virDomainDefineXML(connection, xml), nameof(virDomainDefineXML));

        /// <summary>From <see cref="SafeDomainHandle"/>'s release.</summary>
        internal static bool ReleaseDomain(nint domain) => virDomainFree(domain) == 0;

        /// <summary>virDomainUndefineFlags (VIR_DOMAIN_UNDEFINE_*).</summary>
        internal static void DomainUndefine(SafeDomainHandle domain, uint flags) =>
            Check(virDomainUndefineFlags(domain, flags), nameof(virDomainUndefineFlags));

        /// <summary>virDomainCreate: starts a defined domain.</summary>
        internal static void DomainCreate(SafeDomainHandle domain) =>
            Check(virDomainCreate(domain), nameof(virDomainCreate));

        /// <summary>virDomainShutdownFlags (VIR_DOMAIN_SHUTDOWN_*): asks the guest; returns before it acts.</summary>
        internal static void DomainShutdown(SafeDomainHandle domain, uint flags) =>
            Check(virDomainShutdownFlags(domain, flags), nameof(virDomainShutdownFlags));

        /// <summary>virDomainDestroy: immediate power-off.</summary>
        internal static void DomainDestroy(SafeDomainHandle domain) =>
            Check(virDomainDestroy(domain), nameof(virDomainDestroy));

        /// <summary>virDomainIsActive.</summary>
        internal static bool DomainIsActive(SafeDomainHandle domain)
        {
            var active = virDomainIsActive(domain);
            if (active < 0)
            {
                throw GetExceptionForLastError(nameof(virDomainIsActive));
            }
            return active == 1;
        }

        /// <summary>virDomainGetState: the virDomainState and its reason (whose meaning depends on the state).</summary>
        internal static (int State, int Reason) DomainGetState(SafeDomainHandle domain)
        {
            int state, reason;
            Check(virDomainGetState(domain, &state, &reason, 0), nameof(virDomainGetState));
            return (state, reason);
        }

        /// <summary>virDomainGetXMLDesc (VIR_DOMAIN_XML_*).</summary>
        internal static string DomainGetXmlDesc(SafeDomainHandle domain, uint flags) =>
            TakeString(virDomainGetXMLDesc(domain, flags)) ?? throw GetExceptionForLastError(nameof(virDomainGetXMLDesc));

        /// <summary>virDomainAttachDeviceFlags (VIR_DOMAIN_AFFECT_*).</summary>
        internal static void DomainAttachDevice(SafeDomainHandle domain, string xml, uint flags) =>
            Check(virDomainAttachDeviceFlags(domain, xml, flags), nameof(virDomainAttachDeviceFlags));

        /// <summary>
        /// virDomainDetachDeviceFlags (VIR_DOMAIN_AFFECT_*). For a live detach the qemu driver
        /// waits up to 5 s for the guest to release the device and returns 0 either way: success
        /// means "requested", not "removed".
        /// </summary>
        internal static void DomainDetachDevice(SafeDomainHandle domain, string xml, uint flags) =>
            Check(virDomainDetachDeviceFlags(domain, xml, flags), nameof(virDomainDetachDeviceFlags));

        /// <summary>virDomainGetName: local, no daemon round trip.</summary>
        internal static string DomainGetName(SafeDomainHandle domain) =>
            BorrowString(virDomainGetName(domain)) ?? throw GetExceptionForLastError(nameof(virDomainGetName));

        /// <summary>virDomainGetUUIDString: local, no daemon round trip.</summary>
        internal static Guid DomainGetUuid(SafeDomainHandle domain)
        {
            var buffer = stackalloc byte[UuidStringBufferLength];
            Check(virDomainGetUUIDString(domain, buffer), nameof(virDomainGetUUIDString));
            return ParseUuid(new ReadOnlySpan<byte>(buffer, UuidStringBufferLength));
        }

        private static SafeDomainHandle CheckDomain(SafeDomainHandle domain, string function)
        {
            if (domain.IsInvalid)
            {
                domain.Dispose();
                throw GetExceptionForLastError(function);
            }
            return domain;
        }

        private static void Check(int result, string function)
        {
            if (result < 0)
            {
                throw GetExceptionForLastError(function);
            }
        }
    }
}

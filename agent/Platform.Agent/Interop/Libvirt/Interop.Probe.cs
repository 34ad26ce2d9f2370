using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

// What the start-up KVM probe needs beyond the domain lifecycle: the domain capabilities of one
// virtualization type, and transient domains that vanish when they stop.
internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        // virDomainCreateFlags: destroy the domain when the connection that created it closes,
        // so a probe guest cannot outlive the agent that started it.
        internal const uint DomainStartAutoDestroy = 1 << 1;

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial byte* virConnectGetDomainCapabilities(SafeConnectHandle conn, string? emulatorbin, string? arch, string? machine, string? virttype, uint flags);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeDomainHandle virDomainCreateXML(SafeConnectHandle conn, string xml, uint flags);

        /// <summary>
        /// virConnectGetDomainCapabilities for <paramref name="arch"/> and <paramref name="virtType"/>
        /// ("kvm", "qemu"): the XML document. Fails (VIR_ERR_CONFIG_UNSUPPORTED, …) when the
        /// driver cannot offer that type, e.g. without a usable /dev/kvm.
        /// </summary>
        internal static string ConnectGetDomainCapabilities(SafeConnectHandle connection, string arch, string virtType) =>
            TakeString(virConnectGetDomainCapabilities(connection, null, arch, null, virtType, 0))
                ?? throw GetExceptionForLastError(nameof(virConnectGetDomainCapabilities));

        /// <summary>virDomainCreateXML: starts a transient domain (gone once it stops); flags VIR_DOMAIN_START_*.</summary>
        internal static SafeDomainHandle DomainCreateXml(SafeConnectHandle connection, string xml, uint flags) =>
            CheckDomain(virDomainCreateXML(connection, xml, flags), nameof(virDomainCreateXML));
    }
}

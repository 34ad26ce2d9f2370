using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Platform.Agent.Compute.Libvirt;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeSecretHandle virSecretDefineXML(SafeConnectHandle conn, string xml, uint flags);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeSecretHandle virSecretLookupByUUIDString(SafeConnectHandle conn, string uuid);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeSecretHandle virSecretLookupByUsage(SafeConnectHandle conn, int usageType, string usageId);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virSecretSetValue(SafeSecretHandle secret, byte* value, nuint valueSize, uint flags);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virSecretUndefine(SafeSecretHandle secret);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virSecretGetUUIDString(SafeSecretHandle secret, byte* buffer);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virSecretFree(nint secret);

        /// <summary>virSecretDefineXML: defines (or redefines) a secret; its value is set apart.</summary>
        internal static SafeSecretHandle SecretDefineXml(SafeConnectHandle connection, string xml) =>
            CheckSecret(virSecretDefineXML(connection, xml, 0), nameof(virSecretDefineXML));

        /// <summary>virSecretLookupByUUIDString.</summary>
        internal static SafeSecretHandle SecretLookupByUuid(SafeConnectHandle connection, Guid uuid) =>
            CheckSecret(virSecretLookupByUUIDString(connection, uuid.ToString("D")), nameof(virSecretLookupByUUIDString));

        /// <summary>virSecretLookupByUsage (VIR_SECRET_USAGE_TYPE_*; for ceph the usage is the &lt;usage&gt;&lt;name&gt;).</summary>
        internal static SafeSecretHandle SecretLookupByUsage(SafeConnectHandle connection, int usageType, string usage) =>
            CheckSecret(virSecretLookupByUsage(connection, usageType, usage), nameof(virSecretLookupByUsage));

        /// <summary>virSecretSetValue: the raw value (for ceph, the key's bytes, not its base64 text).</summary>
        internal static void SecretSetValue(SafeSecretHandle secret, ReadOnlySpan<byte> value)
        {
            fixed (byte* bytes = value)
            {
                Check(virSecretSetValue(secret, bytes, (nuint)value.Length, 0), nameof(virSecretSetValue));
            }
        }

        /// <summary>virSecretUndefine: deletes the secret and its value.</summary>
        internal static void SecretUndefine(SafeSecretHandle secret) =>
            Check(virSecretUndefine(secret), nameof(virSecretUndefine));

        /// <summary>virSecretGetUUIDString.</summary>
        internal static Guid SecretGetUuid(SafeSecretHandle secret)
        {
            var buffer = stackalloc byte[UuidStringBufferLength];
            Check(virSecretGetUUIDString(secret, buffer), nameof(virSecretGetUUIDString));
            return ParseUuid(new ReadOnlySpan<byte>(buffer, UuidStringBufferLength));
        }

        /// <summary>From <see cref="SafeSecretHandle"/>'s release.</summary>
        internal static bool ReleaseSecret(nint secret) => virSecretFree(secret) == 0;

        private static SafeSecretHandle CheckSecret(SafeSecretHandle secret, string function)
        {
            if (secret.IsInvalid)
            {
                secret.Dispose();
                throw GetExceptionForLastError(function);
            }
            return secret;
        }
    }
}

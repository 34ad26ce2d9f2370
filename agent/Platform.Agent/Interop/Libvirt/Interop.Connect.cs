using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Platform.Agent.Compute.Libvirt;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        // struct _virNodeInfo (libvirt-host.h); "unsigned long" is a C long: CULong.
        [StructLayout(LayoutKind.Sequential)]
        private struct virNodeInfo
        {
            public fixed byte model[32];
            public CULong memory;
            public uint cpus;
            public uint mhz;
            public uint nodes;
            public uint sockets;
            public uint cores;
            public uint threads;
        }

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeConnectHandle virConnectOpen(string name);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectClose(nint conn);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectIsAlive(SafeConnectHandle conn);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectSetKeepAlive(SafeConnectHandle conn, int interval, uint count);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectGetLibVersion(SafeConnectHandle conn, CULong* libVer);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectGetVersion(SafeConnectHandle conn, CULong* hvVer);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virNodeGetInfo(SafeConnectHandle conn, virNodeInfo* info);

        [LibraryImport(Libraries.Libvirt)]
        private static partial ulong virNodeGetFreeMemory(SafeConnectHandle conn);

        /// <summary>virConnectOpen: a read-write connection to the driver <paramref name="uri"/> names.</summary>
        internal static SafeConnectHandle ConnectOpen(string uri)
        {
            EnsureInitialized();
            var connection = virConnectOpen(uri);
            if (connection.IsInvalid)
            {
                connection.Dispose();
                throw GetExceptionForLastError(nameof(virConnectOpen));
            }
            return connection;
        }

        /// <summary>From <see cref="SafeConnectHandle"/>'s release: drop the event callbacks, then close.</summary>
        internal static bool ReleaseConnection(nint connection, int[] eventCallbacks)
        {
            foreach (var callback in eventCallbacks)
            {
                // Fails only for an unknown id; the connection closes regardless.
                _ = virConnectDomainEventDeregisterAny(connection, callback);
            }
            // virConnectClose returns the references still held (domains not yet freed), or -1.
            return virConnectClose(connection) >= 0;
        }

        /// <summary>virConnectIsAlive: false once the daemon connection is gone (a remote driver's socket closed).</summary>
        internal static bool ConnectIsAlive(SafeConnectHandle connection) => virConnectIsAlive(connection) == 1;

        /// <summary>
        /// virConnectSetKeepAlive: needs a running event loop to answer and send pings. In-process
        /// drivers (test:///default) fail with VIR_ERR_NO_SUPPORT.
        /// </summary>
        internal static void ConnectSetKeepAlive(SafeConnectHandle connection, int intervalSeconds, uint count)
        {
            // 1 means the daemon does not speak keepalive; nothing to do then.
            if (virConnectSetKeepAlive(connection, intervalSeconds, count) < 0)
            {
                throw GetExceptionForLastError(nameof(virConnectSetKeepAlive));
            }
        }

        /// <summary>virConnectGetLibVersion: the libvirt library version (of the daemon, for a remote driver).</summary>
        internal static Version ConnectGetLibVersion(SafeConnectHandle connection)
        {
            CULong version;
            if (virConnectGetLibVersion(connection, &version) < 0)
            {
                throw GetExceptionForLastError(nameof(virConnectGetLibVersion));
            }
            return DecodeVersion(version.Value);
        }

        /// <summary>virConnectGetVersion: the hypervisor's version (qemu's for the qemu driver).</summary>
        internal static Version ConnectGetVersion(SafeConnectHandle connection)
        {
            CULong version;
            if (virConnectGetVersion(connection, &version) < 0)
            {
                throw GetExceptionForLastError(nameof(virConnectGetVersion));
            }
            return DecodeVersion(version.Value);
        }

        /// <summary>virNodeGetInfo.</summary>
        internal static NodeInfo NodeGetInfo(SafeConnectHandle connection)
        {
            virNodeInfo info;
            if (virNodeGetInfo(connection, &info) < 0)
            {
                throw GetExceptionForLastError(nameof(virNodeGetInfo));
            }
            var model = new ReadOnlySpan<byte>(info.model, 32);
            var length = model.IndexOf((byte)0);
            return new NodeInfo(
                System.Text.Encoding.ASCII.GetString(length < 0 ? model : model[..length]),
                MemoryKiB: info.memory.Value,
                Cpus: info.cpus,
                MHz: info.mhz,
                NumaNodes: info.nodes,
                SocketsPerNode: info.sockets,
                CoresPerSocket: info.cores,
                ThreadsPerCore: info.threads);
        }

        /// <summary>virNodeGetFreeMemory: free memory of the host in bytes.</summary>
        internal static ulong NodeGetFreeMemory(SafeConnectHandle connection)
        {
            // 0 is both the error value and (in theory) an answer: only an error set says which.
            virResetLastError();
            var free = virNodeGetFreeMemory(connection);
            if (free == 0 && virGetLastError() is not null)
            {
                throw GetExceptionForLastError(nameof(virNodeGetFreeMemory));
            }
            return free;
        }

        // major * 1,000,000 + minor * 1,000 + release
        private static Version DecodeVersion(nuint encoded) =>
            new((int)(encoded / 1_000_000), (int)(encoded / 1_000 % 1_000), (int)(encoded % 1_000));
    }
}

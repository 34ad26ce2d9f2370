using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    /// <summary>librados (include/rados/librados.h, Ceph 16.2): every call returns 0 or a negative errno.</summary>
    internal static partial class Rados
    {
        /// <summary>The length of a cluster fsid as text (a UUID) plus its terminating NUL.</summary>
        private const int FsidBufferLength = 37;

        [LibraryImport(Libraries.Rados, EntryPoint = "rados_create2", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Create(out SafeRadosHandle cluster, string clusterName, string entityName, ulong flags);

        [LibraryImport(Libraries.Rados, EntryPoint = "rados_conf_read_file", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int ConfReadFile(SafeRadosHandle cluster, string path);

        [LibraryImport(Libraries.Rados, EntryPoint = "rados_conf_set", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int ConfSet(SafeRadosHandle cluster, string option, string value);

        /// <summary>Blocks until the monitors answered and authenticated us, or <c>client_mount_timeout</c> passed (−ETIMEDOUT).</summary>
        [LibraryImport(Libraries.Rados, EntryPoint = "rados_connect")]
        internal static partial int Connect(SafeRadosHandle cluster);

        /// <summary>Only for <see cref="SafeRadosHandle"/>.</summary>
        [LibraryImport(Libraries.Rados, EntryPoint = "rados_shutdown")]
        internal static partial void Shutdown(IntPtr cluster);

        [LibraryImport(Libraries.Rados, EntryPoint = "rados_cluster_fsid")]
        private static unsafe partial int ClusterFsid(SafeRadosHandle cluster, byte* buffer, nuint length);

        [LibraryImport(Libraries.Rados, EntryPoint = "rados_ioctx_create", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int IoContextCreate(SafeRadosHandle cluster, string poolName, out SafeRadosIoContextHandle ioContext);

        /// <summary>Only for <see cref="SafeRadosIoContextHandle"/>.</summary>
        [LibraryImport(Libraries.Rados, EntryPoint = "rados_ioctx_destroy")]
        internal static partial void IoContextDestroy(IntPtr ioContext);

        [LibraryImport(Libraries.Rados, EntryPoint = "rados_version")]
        private static partial void Version(out int major, out int minor, out int extra);

        internal static unsafe int ClusterFsid(SafeRadosHandle cluster, out string fsid)
        {
            var buffer = stackalloc byte[FsidBufferLength];
            var result = ClusterFsid(cluster, buffer, FsidBufferLength);
            // Returns the length written (36), not 0, on success.
            fsid = result >= 0 ? Marshal.PtrToStringUTF8((IntPtr)buffer) ?? "" : "";
            return result;
        }

        /// <summary>An io context on <paramref name="poolName"/>, holding <paramref name="cluster"/> open while it lives.</summary>
        internal static int OpenIoContext(SafeRadosHandle cluster, string poolName, out SafeRadosIoContextHandle? ioContext)
        {
            var result = IoContextCreate(cluster, poolName, out SafeRadosIoContextHandle created);
            if (result < 0)
            {
                created.Dispose();
                ioContext = null;
                return result;
            }
            created.SetCluster(cluster);
            ioContext = created;
            return result;
        }

        internal static Version LibraryVersion()
        {
            Version(out var major, out var minor, out var extra);
            return new Version(major, minor, extra);
        }
    }
}

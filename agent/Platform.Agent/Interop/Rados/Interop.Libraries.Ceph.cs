internal static partial class Interop
{
    internal static partial class Libraries
    {
        /// <summary>Ceph's object store client (package librados2); only the versioned name exists without librados-dev.</summary>
        internal const string Rados = "librados.so.2";

        /// <summary>Ceph's block device client (package librbd1).</summary>
        internal const string Rbd = "librbd.so.1";
    }
}

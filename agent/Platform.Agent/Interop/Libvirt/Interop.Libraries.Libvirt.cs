internal static partial class Interop
{
    internal static partial class Libraries
    {
        /// <summary>libvirt's client library (package libvirt0); only the versioned name exists without libvirt-dev.</summary>
        internal const string Libvirt = "libvirt.so.0";
    }
}

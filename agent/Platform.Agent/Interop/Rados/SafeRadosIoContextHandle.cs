using System.Runtime.InteropServices;

namespace Microsoft.Win32.SafeHandles;

/// <summary>A <c>rados_ioctx_t</c> pool io context; released with <c>rados_ioctx_destroy</c>.</summary>
/// <remarks>Keeps its cluster handle alive: librados must not be shut down under an io context.</remarks>
internal sealed class SafeRadosIoContextHandle : SafeHandle
{
    private SafeRadosHandle? _cluster;

    public SafeRadosIoContextHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Called once, right after the context was created from <paramref name="cluster"/>.</summary>
    internal void SetCluster(SafeRadosHandle cluster)
    {
        var added = false;
        cluster.DangerousAddRef(ref added);
        _cluster = cluster;
    }

    protected override bool ReleaseHandle()
    {
        Interop.Rados.IoContextDestroy(handle);
        _cluster?.DangerousRelease();
        _cluster = null;
        return true;
    }
}

using System.Runtime.InteropServices;

namespace Microsoft.Win32.SafeHandles;

/// <summary>A <c>rados_t</c> cluster handle; released with <c>rados_shutdown</c>.</summary>
/// <remarks>
/// <c>rados_shutdown</c> also frees a handle that never connected. Io contexts made from this handle
/// hold a reference on it, so it is shut down only after the last of them is destroyed.
/// </remarks>
internal sealed class SafeRadosHandle : SafeHandle
{
    public SafeRadosHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Interop.Rados.Shutdown(handle);
        return true;
    }
}

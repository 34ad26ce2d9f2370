using System.Runtime.InteropServices;

namespace Microsoft.Win32.SafeHandles;

/// <summary>An open <c>rbd_image_t</c>; released with <c>rbd_close</c>.</summary>
/// <remarks>
/// A read-write open registers a watch on the image header (other clients see it in
/// <c>rbd status</c>); <c>rbd_close</c> removes it and releases the exclusive lock if this handle
/// held it. Keeps the io context it was opened through alive.
/// </remarks>
internal sealed class SafeRbdImageHandle : SafeHandle
{
    private SafeRadosIoContextHandle? _ioContext;

    public SafeRbdImageHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Called once, right after the image was opened through <paramref name="ioContext"/>.</summary>
    internal void SetIoContext(SafeRadosIoContextHandle ioContext)
    {
        var added = false;
        ioContext.DangerousAddRef(ref added);
        _ioContext = ioContext;
    }

    protected override bool ReleaseHandle()
    {
        // rbd_close frees the image context whatever it returns (a failed flush or unwatch is only logged by librbd).
        _ = Interop.Rbd.Close(handle);
        _ioContext?.DangerousRelease();
        _ioContext = null;
        return true;
    }
}

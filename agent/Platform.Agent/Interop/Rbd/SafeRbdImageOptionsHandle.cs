using System.Runtime.InteropServices;

namespace Microsoft.Win32.SafeHandles;

/// <summary>An <c>rbd_image_options_t</c> (creation options for create, clone and copy); released with <c>rbd_image_options_destroy</c>.</summary>
internal sealed class SafeRbdImageOptionsHandle : SafeHandle
{
    public SafeRbdImageOptionsHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Interop.Rbd.ImageOptionsDestroy(handle);
        return true;
    }
}

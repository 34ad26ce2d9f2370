using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Platform.Tests.Unit.Agent.Storage;

/// <summary>The managed mirrors of librbd's structs have the C layout (LP64: x86_64 and aarch64).</summary>
public class NativeLayoutTests
{
    [Test]
    public void Structs_have_the_sizes_of_their_c_counterparts()
    {
        Assert.That(IntPtr.Size, Is.EqualTo(8), "the layouts below are those of a 64-bit Linux");
        Assert.Multiple(() =>
        {
            Assert.That(Unsafe.SizeOf<Interop.Rbd.ImageInfo>(), Is.EqualTo(160), "rbd_image_info_t");
            Assert.That(Unsafe.SizeOf<Interop.Rbd.ImageSpec>(), Is.EqualTo(16), "rbd_image_spec_t");
            Assert.That(Unsafe.SizeOf<Interop.Rbd.LinkedImageSpec>(), Is.EqualTo(48), "rbd_linked_image_spec_t");
            Assert.That(Unsafe.SizeOf<Interop.Rbd.SnapSpec>(), Is.EqualTo(24), "rbd_snap_spec_t");
            Assert.That(Unsafe.SizeOf<Interop.Rbd.SnapInfo>(), Is.EqualTo(24), "rbd_snap_info_t");
            Assert.That(Unsafe.SizeOf<Interop.Rbd.ImageWatcher>(), Is.EqualTo(24), "rbd_image_watcher_t");
        });
    }

    [Test]
    public void Fields_sit_at_their_c_offsets()
    {
        Assert.Multiple(() =>
        {
            Assert.That((int)Marshal.OffsetOf<Interop.Rbd.ImageInfo>(nameof(Interop.Rbd.ImageInfo.Order)), Is.EqualTo(24));
            Assert.That((int)Marshal.OffsetOf<Interop.Rbd.ImageInfo>(nameof(Interop.Rbd.ImageInfo.ParentPool)), Is.EqualTo(56));
            Assert.That((int)Marshal.OffsetOf<Interop.Rbd.LinkedImageSpec>(nameof(Interop.Rbd.LinkedImageSpec.Trash)), Is.EqualTo(40));
            Assert.That((int)Marshal.OffsetOf<Interop.Rbd.SnapSpec>(nameof(Interop.Rbd.SnapSpec.Name)), Is.EqualTo(16));
            Assert.That((int)Marshal.OffsetOf<Interop.Rbd.ImageWatcher>(nameof(Interop.Rbd.ImageWatcher.Cookie)), Is.EqualTo(16));
        });
    }
}

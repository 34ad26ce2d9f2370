using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    /// <summary>
    /// librbd (include/rbd/librbd.h, Ceph 16.2). Every call returns 0 (a few return a count) or a
    /// negative errno. Calls block the calling thread until the cluster answered.
    /// </summary>
    internal static partial class Rbd
    {
        internal const int ERANGE = 34;
        internal const int ECANCELED = 125;

        // Image options (enum in librbd.h).
        internal const int ImageOptionFormat = 0;
        internal const int ImageOptionFeatures = 1;
        internal const int ImageOptionCloneFormat = 12;

        /// <summary><c>rbd_image_info_t</c>: 160 bytes on x86_64 and aarch64.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct ImageInfo
        {
            public ulong Size;
            public ulong ObjectSize;
            public ulong ObjectCount;
            public int Order;
            public fixed byte BlockNamePrefix[24];
            public long ParentPool;
            public fixed byte ParentName[96];
        }

        /// <summary><c>rbd_image_spec_t</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct ImageSpec
        {
            public byte* Id;
            public byte* Name;
        }

        /// <summary><c>rbd_linked_image_spec_t</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct LinkedImageSpec
        {
            public long PoolId;
            public byte* PoolName;
            public byte* PoolNamespace;
            public byte* ImageId;
            public byte* ImageName;
            public byte Trash; // C bool
        }

        /// <summary><c>rbd_snap_spec_t</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct SnapSpec
        {
            public ulong Id;
            public int NamespaceType;
            public byte* Name;
        }

        /// <summary><c>rbd_snap_info_t</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct SnapInfo
        {
            public ulong Id;
            public ulong Size;
            public byte* Name;
        }

        /// <summary><c>rbd_image_watcher_t</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct ImageWatcher
        {
            public byte* Address;
            public long Id;
            public ulong Cookie;
        }

        // ---- image options ----

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_image_options_create")]
        internal static partial void ImageOptionsCreate(out SafeRbdImageOptionsHandle options);

        /// <summary>Only for <see cref="SafeRbdImageOptionsHandle"/>.</summary>
        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_image_options_destroy")]
        internal static partial void ImageOptionsDestroy(IntPtr options);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_image_options_set_uint64")]
        internal static partial int ImageOptionsSetUInt64(SafeRbdImageOptionsHandle options, int option, ulong value);

        // ---- pool level ----

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_list2")]
        private static unsafe partial int List2(SafeRadosIoContextHandle ioContext, ImageSpec* images, nuint* maxImages);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_image_spec_list_cleanup")]
        private static unsafe partial void ImageSpecListCleanup(ImageSpec* images, nuint count);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_create4", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Create4(SafeRadosIoContextHandle ioContext, string name, ulong size, SafeRbdImageOptionsHandle options);

        /// <summary>Clones <paramref name="parentName"/>@<paramref name="parentSnapshot"/>; a v1 clone needs the snapshot protected.</summary>
        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_clone3", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Clone3(
            SafeRadosIoContextHandle parentIoContext,
            string parentName,
            string parentSnapshot,
            SafeRadosIoContextHandle childIoContext,
            string childName,
            SafeRbdImageOptionsHandle childOptions);

        /// <summary>
        /// Trims every object, then removes the header: not interruptible (the progress variant would
        /// stop half-way and leave a damaged image). −EBUSY with watchers, −ENOTEMPTY with snapshots.
        /// </summary>
        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_remove", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Remove(SafeRadosIoContextHandle ioContext, string name);

        // ---- open and close ----

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_open", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int Open(SafeRadosIoContextHandle ioContext, string name, out SafeRbdImageHandle image, string? snapshot);

        /// <summary>No watch on the header: invisible to other clients, and its metadata is not refreshed by their changes.</summary>
        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_open_read_only", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int OpenReadOnly(SafeRadosIoContextHandle ioContext, string name, out SafeRbdImageHandle image, string? snapshot);

        /// <summary>Only for <see cref="SafeRbdImageHandle"/>.</summary>
        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_close")]
        internal static partial int Close(IntPtr image);

        // ---- image ----

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_stat")]
        private static unsafe partial int Stat(SafeRbdImageHandle image, ImageInfo* info, nuint infoSize);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_get_features")]
        internal static partial int GetFeatures(SafeRbdImageHandle image, out ulong features);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_get_id")]
        private static unsafe partial int GetId(SafeRbdImageHandle image, byte* id, nuint length);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_resize2")]
        private static unsafe partial int Resize2(
            SafeRbdImageHandle image,
            ulong size,
            [MarshalAs(UnmanagedType.U1)] bool allowShrink,
            delegate* unmanaged<ulong, ulong, void*, int> callback,
            void* state);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_flatten_with_progress")]
        private static unsafe partial int FlattenWithProgress(
            SafeRbdImageHandle image,
            delegate* unmanaged<ulong, ulong, void*, int> callback,
            void* state);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_copy_with_progress3", StringMarshalling = StringMarshalling.Utf8)]
        private static unsafe partial int CopyWithProgress3(
            SafeRbdImageHandle source,
            SafeRadosIoContextHandle destinationIoContext,
            string destinationName,
            SafeRbdImageOptionsHandle destinationOptions,
            delegate* unmanaged<ulong, ulong, void*, int> callback,
            void* state);

        /// <summary>−ENOENT when the image has no parent.</summary>
        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_get_parent")]
        private static unsafe partial int GetParent(SafeRbdImageHandle image, LinkedImageSpec* parentImage, SnapSpec* parentSnapshot);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_linked_image_spec_cleanup")]
        private static unsafe partial void LinkedImageSpecCleanup(LinkedImageSpec* image);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_snap_spec_cleanup")]
        private static unsafe partial void SnapSpecCleanup(SnapSpec* snapshot);

        /// <summary>Children of every snapshot when the image is open at its head, of one snapshot otherwise.</summary>
        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_list_children3")]
        private static unsafe partial int ListChildren3(SafeRbdImageHandle image, LinkedImageSpec* images, nuint* maxImages);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_linked_image_spec_list_cleanup")]
        private static unsafe partial void LinkedImageSpecListCleanup(LinkedImageSpec* images, nuint count);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_watchers_list")]
        private static unsafe partial int WatchersList(SafeRbdImageHandle image, ImageWatcher* watchers, nuint* maxWatchers);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_watchers_list_cleanup")]
        private static unsafe partial void WatchersListCleanup(ImageWatcher* watchers, nuint count);

        // ---- snapshots ----

        /// <summary>Needs one entry more than there are snapshots (a NULL-named terminator); returns the count.</summary>
        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_snap_list")]
        private static unsafe partial int SnapList(SafeRbdImageHandle image, SnapInfo* snapshots, int* maxSnapshots);

        /// <summary>Frees the names up to the terminator.</summary>
        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_snap_list_end")]
        private static unsafe partial void SnapListEnd(SnapInfo* snapshots);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_snap_exists", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int SnapExists(SafeRbdImageHandle image, string name, [MarshalAs(UnmanagedType.U1)] out bool exists);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_snap_create", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int SnapCreate(SafeRbdImageHandle image, string name);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_snap_remove", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int SnapRemove(SafeRbdImageHandle image, string name);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_snap_protect", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int SnapProtect(SafeRbdImageHandle image, string name);

        /// <summary>−EBUSY while clones of the snapshot exist.</summary>
        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_snap_unprotect", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int SnapUnprotect(SafeRbdImageHandle image, string name);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_snap_is_protected", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int SnapIsProtected(SafeRbdImageHandle image, string name, out int isProtected);

        [LibraryImport(Libraries.Rbd, EntryPoint = "rbd_version")]
        private static partial void Version(out int major, out int minor, out int extra);

        internal static Version LibraryVersion()
        {
            Version(out var major, out var minor, out var extra);
            return new Version(major, minor, extra);
        }

        /// <summary>Opens <paramref name="name"/> at its head; the handle keeps <paramref name="ioContext"/> alive.</summary>
        internal static int OpenImage(SafeRadosIoContextHandle ioContext, string name, bool readOnly, out SafeRbdImageHandle? image)
        {
            SafeRbdImageHandle opened;
            var result = readOnly
                ? OpenReadOnly(ioContext, name, out opened, null)
                : Open(ioContext, name, out opened, null);
            if (result < 0)
            {
                opened.Dispose();
                image = null;
                return result;
            }
            opened.SetIoContext(ioContext);
            image = opened;
            return result;
        }

        /// <summary>Creation options (format 2, these features; the object size stays the default 4 MiB); <paramref name="cloneFormat"/> only for clones.</summary>
        internal static int CreateImageOptions(ulong features, ulong? cloneFormat, out SafeRbdImageOptionsHandle options)
        {
            ImageOptionsCreate(out options);
            var result = ImageOptionsSetUInt64(options, ImageOptionFormat, 2);
            if (result >= 0)
            {
                result = ImageOptionsSetUInt64(options, ImageOptionFeatures, features);
            }
            if (result >= 0 && cloneFormat is { } format)
            {
                result = ImageOptionsSetUInt64(options, ImageOptionCloneFormat, format);
            }
            return result;
        }

        internal static unsafe int Stat(SafeRbdImageHandle image, out ImageStat stat)
        {
            ImageInfo info;
            var result = Stat(image, &info, (nuint)sizeof(ImageInfo));
            stat = result >= 0 ? new ImageStat(info.Size, info.ObjectSize, info.ObjectCount, info.Order) : default;
            return result;
        }

        internal static unsafe int GetId(SafeRbdImageHandle image, out string id)
        {
            // Image ids are 12-16 hex digits (rbd_id.NAME holds them); 64 leaves ample room.
            const int Length = 64;
            var buffer = stackalloc byte[Length];
            var result = GetId(image, buffer, Length);
            id = result >= 0 ? Marshal.PtrToStringUTF8((IntPtr)buffer) ?? "" : "";
            return result;
        }

        internal static int SnapIsProtected(SafeRbdImageHandle image, string name, out bool isProtected)
        {
            var result = SnapIsProtected(image, name, out int value);
            isProtected = value != 0;
            return result;
        }

        internal static unsafe int GetParent(SafeRbdImageHandle image, out ParentSpec? parent)
        {
            LinkedImageSpec parentImage = default;
            SnapSpec parentSnapshot = default;
            var result = GetParent(image, &parentImage, &parentSnapshot);
            if (result < 0)
            {
                parent = null;
                return result;
            }
            try
            {
                parent = new ParentSpec(ToLinkedImage(parentImage), parentSnapshot.Id, Utf8(parentSnapshot.Name));
            }
            finally
            {
                LinkedImageSpecCleanup(&parentImage);
                SnapSpecCleanup(&parentSnapshot);
            }
            return result;
        }

        internal static unsafe int ListImages(SafeRadosIoContextHandle ioContext, out ImageEntry[] images)
        {
            nuint capacity = 64;
            while (true)
            {
                var buffer = new ImageSpec[checked((int)capacity)];
                var count = capacity;
                fixed (ImageSpec* entries = buffer)
                {
                    var result = List2(ioContext, entries, &count);
                    if (result == -ERANGE && count > capacity)
                    {
                        // count is what the pool holds now; leave room for images created meanwhile.
                        capacity = count + 16;
                        continue;
                    }
                    if (result < 0)
                    {
                        images = [];
                        return result;
                    }
                    try
                    {
                        images = new ImageEntry[(int)count];
                        for (var i = 0; i < images.Length; i++)
                        {
                            images[i] = new ImageEntry(Utf8(entries[i].Id), Utf8(entries[i].Name));
                        }
                    }
                    finally
                    {
                        ImageSpecListCleanup(entries, count);
                    }
                    return result;
                }
            }
        }

        internal static unsafe int ListChildren(SafeRbdImageHandle image, out LinkedImage[] children)
        {
            nuint capacity = 16;
            while (true)
            {
                var buffer = new LinkedImageSpec[checked((int)capacity)];
                var count = capacity;
                fixed (LinkedImageSpec* entries = buffer)
                {
                    var result = ListChildren3(image, entries, &count);
                    if (result == -ERANGE && count > capacity)
                    {
                        capacity = count + 16;
                        continue;
                    }
                    if (result < 0)
                    {
                        children = [];
                        return result;
                    }
                    try
                    {
                        children = new LinkedImage[(int)count];
                        for (var i = 0; i < children.Length; i++)
                        {
                            children[i] = ToLinkedImage(entries[i]);
                        }
                    }
                    finally
                    {
                        LinkedImageSpecListCleanup(entries, count);
                    }
                    return result;
                }
            }
        }

        internal static unsafe int ListWatchers(SafeRbdImageHandle image, out Watcher[] watchers)
        {
            nuint capacity = 8;
            while (true)
            {
                var buffer = new ImageWatcher[checked((int)capacity)];
                var count = capacity;
                fixed (ImageWatcher* entries = buffer)
                {
                    var result = WatchersList(image, entries, &count);
                    if (result == -ERANGE && count > capacity)
                    {
                        capacity = count + 8;
                        continue;
                    }
                    if (result < 0)
                    {
                        watchers = [];
                        return result;
                    }
                    try
                    {
                        watchers = new Watcher[(int)count];
                        for (var i = 0; i < watchers.Length; i++)
                        {
                            watchers[i] = new Watcher(Utf8(entries[i].Address), entries[i].Id, entries[i].Cookie);
                        }
                    }
                    finally
                    {
                        WatchersListCleanup(entries, count);
                    }
                    return result;
                }
            }
        }

        internal static unsafe int ListSnapshots(SafeRbdImageHandle image, out SnapshotEntry[] snapshots)
        {
            var capacity = 16;
            while (true)
            {
                var buffer = new SnapInfo[capacity];
                var max = capacity;
                fixed (SnapInfo* entries = buffer)
                {
                    var result = SnapList(image, entries, &max);
                    if (result == -ERANGE && max > capacity)
                    {
                        capacity = max + 8;
                        continue;
                    }
                    if (result < 0)
                    {
                        snapshots = [];
                        return result;
                    }
                    // result is the count; entries[result] is the terminator that rbd_snap_list_end stops at.
                    try
                    {
                        snapshots = new SnapshotEntry[result];
                        for (var i = 0; i < snapshots.Length; i++)
                        {
                            snapshots[i] = new SnapshotEntry(entries[i].Id, entries[i].Size, Utf8(entries[i].Name));
                        }
                    }
                    finally
                    {
                        SnapListEnd(entries);
                    }
                    return result;
                }
            }
        }

        internal static unsafe int Resize(SafeRbdImageHandle image, ulong size, bool allowShrink, ProgressCallback? progress)
        {
            using var scope = new ProgressScope(progress);
            var result = Resize2(image, size, allowShrink, &OnProgress, scope.State);
            scope.ThrowIfCallbackFailed();
            return result;
        }

        /// <summary>
        /// Copies the parent's data into the clone object by object and detaches it. A callback that
        /// returns false stops it after the objects in flight (the result is then −ECANCELED); the clone
        /// stays a valid clone, partly copied up, and a later flatten finishes the job.
        /// </summary>
        internal static unsafe int Flatten(SafeRbdImageHandle image, ProgressCallback? progress)
        {
            using var scope = new ProgressScope(progress);
            var result = FlattenWithProgress(image, &OnProgress, scope.State);
            scope.ThrowIfCallbackFailed();
            return result;
        }

        /// <summary>A full copy of the image's head; librbd ignores the callback's answer here, so it cannot be stopped.</summary>
        internal static unsafe int Copy(
            SafeRbdImageHandle source,
            SafeRadosIoContextHandle destinationIoContext,
            string destinationName,
            SafeRbdImageOptionsHandle destinationOptions,
            ProgressCallback? progress)
        {
            using var scope = new ProgressScope(progress);
            var result = CopyWithProgress3(source, destinationIoContext, destinationName, destinationOptions, &OnProgress, scope.State);
            scope.ThrowIfCallbackFailed();
            return result;
        }

        private static unsafe LinkedImage ToLinkedImage(in LinkedImageSpec spec) =>
            new(spec.PoolId, Utf8(spec.PoolName), Utf8(spec.PoolNamespace), Utf8(spec.ImageId), Utf8(spec.ImageName), spec.Trash != 0);

        private static unsafe string Utf8(byte* text) => Marshal.PtrToStringUTF8((IntPtr)text) ?? "";

        internal readonly record struct ImageStat(ulong Size, ulong ObjectSize, ulong ObjectCount, int Order);

        internal readonly record struct ImageEntry(string Id, string Name);

        internal readonly record struct LinkedImage(long PoolId, string PoolName, string PoolNamespace, string ImageId, string ImageName, bool InTrash);

        internal readonly record struct ParentSpec(LinkedImage Image, ulong SnapshotId, string SnapshotName);

        internal readonly record struct SnapshotEntry(ulong Id, ulong Size, string Name);

        internal readonly record struct Watcher(string Address, long Id, ulong Cookie);
    }
}

using Microsoft.Win32.SafeHandles;

namespace Platform.Agent.Storage.Rbd;

/// <summary>
/// The RBD images of one pool (a librados io context). Thread-safe. Every method validates names
/// and sizes before any native call, runs the blocking calls off the caller's thread, and reports
/// failures as <see cref="RbdException"/> (callers branch on <see cref="CephException.Error"/>).
/// </summary>
internal sealed class RbdPool : IDisposable
{
    /// <summary>v1 clones: the parent snapshot must be protected, whatever the cluster's min_compat_client.</summary>
    private const ulong CloneFormat = 1;

    private readonly SafeRadosIoContextHandle _ioContext;

    internal RbdPool(CephCluster cluster, string name, SafeRadosIoContextHandle ioContext)
    {
        Cluster = cluster;
        Name = name;
        _ioContext = ioContext;
    }

    public CephCluster Cluster { get; }

    public string Name { get; }

    /// <summary>The names of the pool's images, as <c>rbd ls</c> lists them.</summary>
    public Task<IReadOnlyList<string>> ListImagesAsync(CancellationToken cancellationToken = default) =>
        CephWork.RunDetachedAsync<IReadOnlyList<string>>(
            () =>
            {
                CephErrors.CheckRbd(Interop.Rbd.ListImages(_ioContext, out var images), "rbd_list2", Name);
                return images.Select(i => i.Name).ToList();
            },
            null,
            cancellationToken);

    /// <summary>
    /// Creates a thin (format 2) image. <see cref="CephErrno.Exists"/> when the name is taken; names
    /// and sizes outside <see cref="RbdNames"/> and <see cref="RbdSizes"/> are refused before anything is created.
    /// </summary>
    public Task<RbdImageInfo> CreateImageAsync(string name, ulong size, RbdImageFeatures features = RbdImageFeatures.Default, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(name, "image");
        RbdSizes.Validate(size);
        return CephWork.RunAsync(
            () =>
            {
                using (var options = Options(features, cloneFormat: null, name))
                {
                    CephErrors.CheckRbd(Interop.Rbd.Create4(_ioContext, name, size, options), "rbd_create4", At(name));
                }
                return ReadInfo(name);
            },
            cancellationToken);
    }

    /// <summary>
    /// Creates a thin (format 2) image like <see cref="CreateImageAsync"/>, without reading it
    /// back: for callers that know what a new image of that size looks like and want no second
    /// round trip to the cluster.
    /// </summary>
    public Task CreateImageWithoutReadBackAsync(string name, ulong size, RbdImageFeatures features = RbdImageFeatures.Default, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(name, "image");
        RbdSizes.Validate(size);
        return CephWork.RunAsync(
            () =>
            {
                using var options = Options(features, cloneFormat: null, name);
                CephErrors.CheckRbd(Interop.Rbd.Create4(_ioContext, name, size, options), "rbd_create4", At(name));
            },
            cancellationToken);
    }

    /// <summary>
    /// The image's info, snapshots and clones through one read-only open (one thread, one open and
    /// close, instead of one per question); <see cref="CephErrno.NotFound"/> when there is no such image.
    /// </summary>
    public Task<RbdImageDescription> DescribeImageAsync(string name, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(name, "image");
        return CephWork.RunDetachedAsync(
            () =>
            {
                using var image = Open(name, readOnly: true);
                return Describe(image);
            },
            null,
            cancellationToken);
    }

    /// <summary>
    /// <see cref="ResizeImageAsync"/>, then the description read through the same (read-write)
    /// open of the image, so that the answer reflects the resize without opening the image again.
    /// </summary>
    public Task<RbdImageDescription> ResizeAndDescribeImageAsync(string name, ulong newSize, bool allowShrink = false, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(name, "image");
        RbdSizes.Validate(newSize);
        return CephWork.RunAsync(
            () =>
            {
                using var image = Open(name, readOnly: false);
                image.ResizeNow(newSize, allowShrink);
                return Describe(image);
            },
            cancellationToken);
    }

    /// <summary>The image's info; <see cref="CephErrno.NotFound"/> when there is no such image.</summary>
    public Task<RbdImageInfo> GetImageInfoAsync(string name, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(name, "image");
        return CephWork.RunDetachedAsync(() => ReadInfo(name), null, cancellationToken);
    }

    /// <summary>The image's info, or null when there is no such image.</summary>
    public Task<RbdImageInfo?> FindImageAsync(string name, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(name, "image");
        return CephWork.RunDetachedAsync(
            () =>
            {
                try
                {
                    return ReadInfo(name);
                }
                catch (RbdException e) when (e.Error == CephErrno.NotFound && e.Operation == "rbd_open_read_only")
                {
                    return null;
                }
            },
            null,
            cancellationToken);
    }

    /// <summary>
    /// Removes the remains an interrupted create or clone left under <paramref name="name"/> — listed
    /// in the pool, but without a header, so it cannot be opened — and answers true; answers false
    /// when the name is free or holds an image that opens (which is left alone).
    /// </summary>
    public Task<bool> RemoveIncompleteImageAsync(string name, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(name, "image");
        return CephWork.RunAsync(
            () =>
            {
                try
                {
                    using var image = Open(name, readOnly: true);
                    return false;
                }
                catch (RbdException e) when (e.Error == CephErrno.NotFound)
                {
                    return RemoveRemains(name);
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// Opens an image to work on it (snapshots, flatten, watchers…). Read-write registers a watch:
    /// the image counts as in use until the returned image is disposed.
    /// </summary>
    public Task<RbdImage> OpenImageAsync(string name, bool readOnly = false, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(name, "image");
        return CephWork.RunDetachedAsync(() => Open(name, readOnly), static image => image.Dispose(), cancellationToken);
    }

    /// <summary>
    /// Removes an image; true when it was removed, false when there was none (so a repeated remove
    /// succeeds). Refused, with nothing changed:
    /// <list type="bullet">
    /// <item>while clients have it open or clones were made from it: <see cref="RbdImageInUseException"/> naming them;</item>
    /// <item>while it has snapshots: <see cref="CephErrno.HasSnapshots"/>. With <paramref name="purgeSnapshots"/> the
    /// unprotected ones are removed first; protected ones must be unprotected by the caller.</item>
    /// </list>
    /// Not interruptible once the removal itself started (it deletes every object of the image).
    /// </summary>
    public Task<bool> RemoveImageAsync(string name, bool purgeSnapshots = false, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(name, "image");
        return CephWork.RunAsync(() => Remove(name, purgeSnapshots), cancellationToken);
    }

    /// <summary>See <see cref="RbdImage.ResizeAsync"/>.</summary>
    public Task ResizeImageAsync(string name, ulong newSize, bool allowShrink = false, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(name, "image");
        RbdSizes.Validate(newSize);
        return WithImageAsync(name, image => image.ResizeAsync(newSize, allowShrink, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// A copy-on-write clone of <paramref name="parentImage"/>@<paramref name="snapshot"/> (a protected
    /// snapshot of an image in this pool) as <paramref name="childName"/> in <paramref name="childPool"/>.
    /// Takes milliseconds whatever the size: the clone reads unwritten data from the parent.
    /// </summary>
    public Task<RbdImageInfo> CloneAsync(string parentImage, string snapshot, RbdPool childPool, string childName, RbdImageFeatures features = RbdImageFeatures.Default, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(parentImage, "image");
        RbdNames.Validate(snapshot, "snapshot");
        ArgumentNullException.ThrowIfNull(childPool);
        RbdNames.Validate(childName, "image");
        RequireSameCluster(childPool);
        return CephWork.RunAsync(() => Clone(parentImage, snapshot, childPool, childName, features, prepareSnapshot: false), cancellationToken);
    }

    /// <summary>
    /// Clones an image by way of its snapshot <paramref name="snapshot"/>: creates the snapshot if
    /// missing, protects it if needed, then clones it (see <see cref="CloneAsync"/>). Safe to repeat
    /// and to run concurrently for the same parent.
    /// </summary>
    public Task<RbdImageInfo> CloneFromImageAsync(string parentImage, string snapshot, RbdPool childPool, string childName, RbdImageFeatures features = RbdImageFeatures.Default, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(parentImage, "image");
        RbdNames.Validate(snapshot, "snapshot");
        ArgumentNullException.ThrowIfNull(childPool);
        RbdNames.Validate(childName, "image");
        RequireSameCluster(childPool);
        return CephWork.RunAsync(() => Clone(parentImage, snapshot, childPool, childName, features, prepareSnapshot: true), cancellationToken);
    }

    /// <summary>
    /// One attempt to clone <paramref name="parentImage"/>@<paramref name="snapshot"/> as
    /// <paramref name="childName"/> in <paramref name="childPool"/>, for the usual case where the
    /// snapshot is there and protected: nothing is opened beforehand, librbd's own checks decide.
    /// When the parent or snapshot is missing or not protected, or the child's name is taken,
    /// nothing is changed and the outcome says which; other failures throw as usual.
    /// </summary>
    public Task<RbdCloneOutcome> TryCloneAsync(string parentImage, string snapshot, RbdPool childPool, string childName, RbdImageFeatures features = RbdImageFeatures.Default, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(parentImage, "image");
        RbdNames.Validate(snapshot, "snapshot");
        ArgumentNullException.ThrowIfNull(childPool);
        RbdNames.Validate(childName, "image");
        RequireSameCluster(childPool);
        return CephWork.RunAsync(
            () =>
            {
                using var options = Options(features, CloneFormat, childName);
                var result = Interop.Rbd.Clone3(_ioContext, parentImage, snapshot, childPool._ioContext, childName, options);
                // librbd checks in this order, before it creates anything: the parent and its snapshot
                // exist (ENOENT), the snapshot is protected (EINVAL), the child's name is free (EEXIST).
                switch (-result)
                {
                    case 0:
                        return RbdCloneOutcome.Cloned;
                    case (int)CephErrno.Exists:
                        return RbdCloneOutcome.NameTaken;
                    case (int)CephErrno.NotFound:
                    case (int)CephErrno.InvalidArgument:
                        return RbdCloneOutcome.SnapshotNotReady;
                    default:
                        CephErrors.CheckRbd(result, "rbd_clone3", $"{At(parentImage)}@{snapshot} -> {childPool.At(childName)}");
                        return RbdCloneOutcome.Cloned;
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// A full, independent copy of <paramref name="source"/>'s current content (no snapshots, no
    /// parent); zero-filled ranges are not written. Takes time in proportion to the provisioned size
    /// (every object is read), not to the data. librbd ignores cancellation during the copy: the
    /// token is honoured only before it starts. <paramref name="progress"/> gets byte offsets.
    /// <see cref="CephErrno.Exists"/> when the destination exists; a failed copy is removed again.
    /// </summary>
    public Task<RbdImageInfo> CopyImageAsync(string source, RbdPool destinationPool, string destinationName, RbdImageFeatures features = RbdImageFeatures.Default, IProgress<RbdProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(source, "image");
        ArgumentNullException.ThrowIfNull(destinationPool);
        RbdNames.Validate(destinationName, "image");
        RequireSameCluster(destinationPool);
        return CephWork.RunAsync(() => Copy(source, destinationPool, destinationName, features, progress), cancellationToken);
    }

    /// <summary>See <see cref="RbdImage.FlattenAsync"/>.</summary>
    public Task FlattenImageAsync(string name, IProgress<RbdProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(name, "image");
        return WithImageAsync(name, image => image.FlattenAsync(progress, cancellationToken), cancellationToken);
    }

    public void Dispose() => _ioContext.Dispose();

    private void RequireSameCluster(RbdPool other)
    {
        if (!ReferenceEquals(other.Cluster, Cluster))
        {
            throw new ArgumentException($"pool {other.Name} belongs to another cluster connection than pool {Name}", nameof(other));
        }
    }

    private RbdImageInfo Copy(string source, RbdPool destinationPool, string destinationName, RbdImageFeatures features, IProgress<RbdProgress>? progress)
    {
        var objectName = $"{At(source)} -> {destinationPool.At(destinationName)}";
        using var image = Open(source, readOnly: true);
        // librbd checks the options before it creates the destination: an existing image of that
        // name must be refused here, so that the clean-up below only ever removes our own copy.
        if (Interop.Rbd.OpenImage(destinationPool._ioContext, destinationName, readOnly: true, out var existing) >= 0)
        {
            existing!.Dispose();
            throw CephErrors.Refused(CephErrno.Exists, "copy", objectName, $"{destinationPool.At(destinationName)} already exists");
        }
        using var options = Options(features, cloneFormat: null, destinationName);
        int result;
        try
        {
            result = Interop.Rbd.Copy(image.Handle, destinationPool._ioContext, destinationName, options, (done, total) =>
            {
                progress?.Report(new RbdProgress(done, total));
                return true;
            });
        }
        catch
        {
            // The progress callback threw; librbd finished the copy regardless.
            _ = Interop.Rbd.Remove(destinationPool._ioContext, destinationName);
            throw;
        }
        if (result < 0 && result != -(int)CephErrno.Exists)
        {
            // librbd leaves a partly written destination behind.
            _ = Interop.Rbd.Remove(destinationPool._ioContext, destinationName);
        }
        CephErrors.CheckRbd(result, "rbd_copy_with_progress3", objectName);
        return destinationPool.ReadInfo(destinationName);
    }

    internal string At(string image) => Name + "/" + image;

    private async Task WithImageAsync(string name, Func<RbdImage, Task> work, CancellationToken cancellationToken)
    {
        using var image = await OpenImageAsync(name, readOnly: false, cancellationToken).ConfigureAwait(false);
        await work(image).ConfigureAwait(false);
    }

    private RbdImage Open(string name, bool readOnly)
    {
        var result = Interop.Rbd.OpenImage(_ioContext, name, readOnly, out var handle);
        CephErrors.CheckRbd(result, readOnly ? "rbd_open_read_only" : "rbd_open", At(name));
        return new RbdImage(this, name, readOnly, handle!);
    }

    private static RbdImageDescription Describe(RbdImage image) =>
        new(RbdImage.ReadInfo(image.Handle, image.Pool.Name, image.Name), image.ListSnapshots(), image.ListChildren());

    private RbdImageInfo ReadInfo(string name)
    {
        using var image = Open(name, readOnly: true);
        return RbdImage.ReadInfo(image.Handle, Name, name);
    }

    private SafeRbdImageOptionsHandle Options(RbdImageFeatures features, ulong? cloneFormat, string name)
    {
        var result = Interop.Rbd.CreateImageOptions((ulong)features, cloneFormat, out var options);
        if (result < 0)
        {
            options.Dispose();
            CephErrors.CheckRbd(result, "rbd_image_options_set_uint64", At(name));
        }
        return options;
    }

    private bool Remove(string name, bool purgeSnapshots)
    {
        var objectName = At(name);
        // The usual case first, without opening the image: rbd_remove itself refuses an image that
        // clients watch (EBUSY) or that has snapshots (ENOTEMPTY), and it opens the image without
        // its parent. An open here would, for a clone, also open and close the parent, and librbd 16
        // frees a closing clone's parent while the close still runs on another completion thread
        // (the agent's native crash under volume churn). The image is opened only to explain a
        // refusal, or to purge snapshots.
        if (!purgeSnapshots)
        {
            var removed = Interop.Rbd.Remove(_ioContext, name);
            switch (-removed)
            {
                case 0:
                    return true;
                case (int)CephErrno.NotFound:
                    return false;
                case (int)CephErrno.Busy or (int)CephErrno.HasSnapshots:
                    break;
                default:
                    CephErrors.CheckRbd(removed, "rbd_remove", objectName);
                    break;
            }
        }
        // A read-only open adds no watcher of its own, so every watcher seen is someone else.
        RbdImage image;
        try
        {
            image = Open(name, readOnly: true);
        }
        catch (RbdException e) when (e.Error == CephErrno.NotFound)
        {
            // No image to open — but maybe the remains of a create cut off before its header was
            // written (a directory entry and an id object), which rbd_remove clears.
            return RemoveRemains(name);
        }

        IReadOnlyList<RbdSnapshotInfo> snapshots;
        using (image)
        {
            var watchers = image.ListWatchers();
            var clones = image.ListChildren();
            if (watchers.Count > 0 || clones.Count > 0)
            {
                throw InUse("remove", objectName, watchers, clones);
            }
            snapshots = image.ListSnapshots();
        }

        if (snapshots.Count > 0)
        {
            var listed = string.Join(", ", snapshots.Select(s => s.IsProtected ? s.Name + " (protected)" : s.Name));
            if (!purgeSnapshots)
            {
                throw CephErrors.Refused(CephErrno.HasSnapshots, "remove", objectName, $"the image has {snapshots.Count} snapshot(s): {listed}; remove them first, or purge them");
            }
            var protectedOnes = snapshots.Where(s => s.IsProtected).Select(s => s.Name).ToList();
            if (protectedOnes.Count > 0)
            {
                throw CephErrors.Refused(CephErrno.HasSnapshots, "remove", objectName, $"the image has protected snapshot(s) {string.Join(", ", protectedOnes)}; unprotect them first (nothing was purged)");
            }
            using var writable = Open(name, readOnly: false);
            writable.PurgeUnprotectedSnapshots();
        }

        var result = Interop.Rbd.Remove(_ioContext, name);
        switch (-result)
        {
            case (int)CephErrno.NotFound:
                // Removed by someone else meanwhile: what the caller wanted.
                return false;
            case (int)CephErrno.Busy:
                // Opened by a client since the check above.
                throw InUse("rbd_remove", objectName, ReadWatchers(name), []);
            case (int)CephErrno.HasSnapshots:
                throw CephErrors.Refused(CephErrno.HasSnapshots, "rbd_remove", objectName, "a snapshot was created meanwhile; nothing was removed");
            default:
                CephErrors.CheckRbd(result, "rbd_remove", objectName);
                return true;
        }
    }

    /// <summary>
    /// rbd_remove of a name that cannot be opened: true when remains of an interrupted create were
    /// there and are gone, false when there was nothing under the name.
    /// </summary>
    private bool RemoveRemains(string name)
    {
        var result = Interop.Rbd.Remove(_ioContext, name);
        if (result == -(int)CephErrno.NotFound)
        {
            return false;
        }
        CephErrors.CheckRbd(result, "rbd_remove", At(name));
        return true;
    }

    private IReadOnlyList<RbdWatcher> ReadWatchers(string name)
    {
        try
        {
            using var image = Open(name, readOnly: true);
            return image.ListWatchers();
        }
        catch (RbdException)
        {
            return [];
        }
    }

    private static RbdImageInUseException InUse(string operation, string objectName, IReadOnlyList<RbdWatcher> watchers, IReadOnlyList<RbdImageReference> clones)
    {
        var reasons = new List<string>();
        if (watchers.Count > 0)
        {
            reasons.Add($"it is open by {watchers.Count} client(s) ({string.Join(", ", watchers)}); detach it from its VM or close it first");
        }
        if (clones.Count > 0)
        {
            reasons.Add($"it has {clones.Count} clone(s) ({string.Join(", ", clones)}); flatten or remove them first");
        }
        if (reasons.Count == 0)
        {
            reasons.Add("it is in use");
        }
        return new RbdImageInUseException(operation, objectName, watchers, clones, $"{operation} {objectName}: refused, {string.Join("; and ", reasons)}");
    }

    private RbdImageInfo Clone(string parentImage, string snapshot, RbdPool childPool, string childName, RbdImageFeatures features, bool prepareSnapshot)
    {
        var snapshotName = $"{At(parentImage)}@{snapshot}";
        using (var parent = Open(parentImage, readOnly: !prepareSnapshot))
        {
            if (!parent.SnapshotExists(snapshot))
            {
                if (!prepareSnapshot)
                {
                    throw CephErrors.Refused(CephErrno.NotFound, "clone", snapshotName, "no such snapshot");
                }
                var created = Interop.Rbd.SnapCreate(parent.Handle, snapshot);
                // EEXIST: a concurrent clone of the same image made it first.
                if (created != -(int)CephErrno.Exists)
                {
                    CephErrors.CheckRbd(created, "rbd_snap_create", snapshotName);
                }
            }
            if (!parent.IsProtected(snapshot))
            {
                if (!prepareSnapshot)
                {
                    throw CephErrors.Refused(CephErrno.InvalidArgument, "clone", snapshotName, "the snapshot is not protected (v1 clones need a protected parent snapshot)");
                }
                parent.Protect(snapshot);
            }
        }

        using (var options = Options(features, CloneFormat, childName))
        {
            var result = Interop.Rbd.Clone3(_ioContext, parentImage, snapshot, childPool._ioContext, childName, options);
            CephErrors.CheckRbd(result, "rbd_clone3", $"{snapshotName} -> {childPool.At(childName)}");
        }
        return childPool.ReadInfo(childName);
    }
}

using Microsoft.Win32.SafeHandles;

namespace Platform.Agent.Storage.Rbd;

/// <summary>
/// An open RBD image (<c>rbd_image_t</c>). Opened read-write it is a watcher of the image: other
/// clients see it in <c>rbd status</c> and removal is refused while it is open. Opened read-only it
/// is invisible to others, and its view of snapshots, children and size is the one at opening
/// (librbd does not refresh it): open anew to see others' changes.
/// </summary>
internal sealed class RbdImage : IDisposable
{
    private readonly SafeRbdImageHandle _handle;

    internal RbdImage(RbdPool pool, string name, bool readOnly, SafeRbdImageHandle handle)
    {
        Pool = pool;
        Name = name;
        IsReadOnly = readOnly;
        _handle = handle;
    }

    public RbdPool Pool { get; }

    public string Name { get; }

    public bool IsReadOnly { get; }

    public RbdImageReference Reference => new(Pool.Name, Name);

    public Task<RbdImageInfo> GetInfoAsync(CancellationToken cancellationToken = default) =>
        CephWork.RunDetachedAsync(() => ReadInfo(_handle, Pool.Name, Name), null, cancellationToken);

    /// <summary>
    /// Grows the image, or shrinks it when <paramref name="allowShrink"/> (the data past the new end
    /// is discarded). A shrink that was not allowed is refused with <see cref="CephErrno.InvalidArgument"/>
    /// before anything changes. Not interruptible once started.
    /// </summary>
    public Task ResizeAsync(ulong newSize, bool allowShrink = false, CancellationToken cancellationToken = default)
    {
        RbdSizes.Validate(newSize);
        return CephWork.RunAsync(() => Resize(newSize, allowShrink), cancellationToken);
    }

    public Task<IReadOnlyList<RbdSnapshotInfo>> ListSnapshotsAsync(CancellationToken cancellationToken = default) =>
        CephWork.RunDetachedAsync(ListSnapshots, null, cancellationToken);

    /// <summary>Snapshots the image's current content; <see cref="CephErrno.Exists"/> when the name is taken.</summary>
    public Task CreateSnapshotAsync(string snapshot, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(snapshot, "snapshot");
        return CephWork.RunAsync(() => CephErrors.CheckRbd(Interop.Rbd.SnapCreate(_handle, snapshot), "rbd_snap_create", At(snapshot)), cancellationToken);
    }

    /// <summary>Protects a snapshot so it can be cloned and cannot be removed; a protected snapshot stays protected.</summary>
    public Task ProtectSnapshotAsync(string snapshot, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(snapshot, "snapshot");
        return CephWork.RunAsync(() => Protect(snapshot), cancellationToken);
    }

    /// <summary>
    /// Unprotects a snapshot; refused with <see cref="RbdImageInUseException"/> naming the clones while
    /// any exist. An unprotected snapshot stays unprotected.
    /// </summary>
    public Task UnprotectSnapshotAsync(string snapshot, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(snapshot, "snapshot");
        return CephWork.RunAsync(() => Unprotect(snapshot), cancellationToken);
    }

    /// <summary>Removes an unprotected snapshot; false when there was no such snapshot. A protected one is refused (<see cref="CephErrno.Busy"/>).</summary>
    public Task<bool> RemoveSnapshotAsync(string snapshot, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(snapshot, "snapshot");
        return CephWork.RunAsync(() => RemoveSnapshot(snapshot), cancellationToken);
    }

    /// <summary>Removes every unprotected snapshot and returns their names; protected ones are left alone.</summary>
    public Task<IReadOnlyList<string>> PurgeSnapshotsAsync(CancellationToken cancellationToken = default) =>
        CephWork.RunAsync(PurgeUnprotectedSnapshots, cancellationToken);

    /// <summary>The snapshot this image was cloned from, or null.</summary>
    public Task<RbdParent?> GetParentAsync(CancellationToken cancellationToken = default) =>
        CephWork.RunDetachedAsync(() => ReadParent(_handle, Reference.ToString()), null, cancellationToken);

    /// <summary>Clones made from any snapshot of this image (in any pool this client can read).</summary>
    public Task<IReadOnlyList<RbdImageReference>> ListChildrenAsync(CancellationToken cancellationToken = default) =>
        CephWork.RunDetachedAsync(ListChildren, null, cancellationToken);

    /// <summary>Clients with the image open read-write, this handle included when it is one.</summary>
    public Task<IReadOnlyList<RbdWatcher>> ListWatchersAsync(CancellationToken cancellationToken = default) =>
        CephWork.RunDetachedAsync(ListWatchers, null, cancellationToken);

    /// <summary>
    /// Copies the parent's data into this clone and detaches it from its parent; nothing to do for
    /// an image without a parent. <paramref name="progress"/> gets (object, objects) reports on a
    /// librbd thread. Cancellation stops the copy-up after the objects in flight: the image is
    /// then still a valid clone and a later flatten completes it. When another client holds the
    /// image's exclusive lock (a running VM) librbd asks that client to flatten, and a cancellation
    /// no longer reaches the work.
    /// </summary>
    public Task FlattenAsync(IProgress<RbdProgress>? progress = null, CancellationToken cancellationToken = default) =>
        CephWork.RunAsync(() => Flatten(progress, cancellationToken), cancellationToken);

    public void Dispose() => _handle.Dispose();

    internal SafeRbdImageHandle Handle => _handle;

    internal static RbdImageInfo ReadInfo(SafeRbdImageHandle handle, string pool, string name)
    {
        var objectName = pool + "/" + name;
        CephErrors.CheckRbd(Interop.Rbd.Stat(handle, out var stat), "rbd_stat", objectName);
        CephErrors.CheckRbd(Interop.Rbd.GetId(handle, out var id), "rbd_get_id", objectName);
        CephErrors.CheckRbd(Interop.Rbd.GetFeatures(handle, out var features), "rbd_get_features", objectName);
        return new RbdImageInfo(pool, name, id, stat.Size, stat.ObjectSize, stat.ObjectCount, (RbdImageFeatures)features, ReadParent(handle, objectName));
    }

    internal static RbdParent? ReadParent(SafeRbdImageHandle handle, string objectName)
    {
        var result = Interop.Rbd.GetParent(handle, out var parent);
        if (result == -(int)CephErrno.NotFound)
        {
            return null;
        }
        CephErrors.CheckRbd(result, "rbd_get_parent", objectName);
        var spec = parent!.Value;
        return new RbdParent(spec.Image.PoolName, spec.Image.ImageName, spec.Image.ImageId, spec.SnapshotName);
    }

    internal IReadOnlyList<RbdSnapshotInfo> ListSnapshots()
    {
        CephErrors.CheckRbd(Interop.Rbd.ListSnapshots(_handle, out var snapshots), "rbd_snap_list", Reference.ToString());
        var result = new List<RbdSnapshotInfo>(snapshots.Length);
        foreach (var snapshot in snapshots)
        {
            CephErrors.CheckRbd(Interop.Rbd.SnapIsProtected(_handle, snapshot.Name, out var isProtected), "rbd_snap_is_protected", At(snapshot.Name));
            result.Add(new RbdSnapshotInfo(snapshot.Id, snapshot.Name, snapshot.Size, isProtected));
        }
        return result;
    }

    internal IReadOnlyList<RbdImageReference> ListChildren()
    {
        CephErrors.CheckRbd(Interop.Rbd.ListChildren(_handle, out var children), "rbd_list_children3", Reference.ToString());
        return children.Select(c => new RbdImageReference(c.PoolName, c.ImageName)).ToList();
    }

    internal IReadOnlyList<RbdWatcher> ListWatchers()
    {
        CephErrors.CheckRbd(Interop.Rbd.ListWatchers(_handle, out var watchers), "rbd_watchers_list", Reference.ToString());
        return watchers.Select(w => new RbdWatcher(w.Address, w.Id, w.Cookie)).ToList();
    }

    internal void Protect(string snapshot)
    {
        var result = Interop.Rbd.SnapProtect(_handle, snapshot);
        // EBUSY: protected already (maybe by a concurrent clone of the same image): the goal is met.
        if (result == -(int)CephErrno.Busy && IsProtected(snapshot))
        {
            return;
        }
        CephErrors.CheckRbd(result, "rbd_snap_protect", At(snapshot));
    }

    internal bool IsProtected(string snapshot)
    {
        CephErrors.CheckRbd(Interop.Rbd.SnapIsProtected(_handle, snapshot, out var isProtected), "rbd_snap_is_protected", At(snapshot));
        return isProtected;
    }

    internal bool SnapshotExists(string snapshot)
    {
        CephErrors.CheckRbd(Interop.Rbd.SnapExists(_handle, snapshot, out var exists), "rbd_snap_exists", At(snapshot));
        return exists;
    }

    /// <summary><see cref="ResizeAsync"/> on the calling thread (for work already running on a <see cref="CephWork"/> thread).</summary>
    internal void ResizeNow(ulong newSize, bool allowShrink) => Resize(newSize, allowShrink);

    private void Resize(ulong newSize, bool allowShrink)
    {
        CephErrors.CheckRbd(Interop.Rbd.Stat(_handle, out var stat), "rbd_stat", Reference.ToString());
        if (newSize < stat.Size && !allowShrink)
        {
            throw CephErrors.Refused(
                CephErrno.InvalidArgument,
                "resize",
                Reference.ToString(),
                $"refusing to shrink from {RbdSizes.Format(stat.Size)} to {RbdSizes.Format(newSize)}: the data past the new end would be lost; allow the shrink explicitly");
        }
        if (newSize == stat.Size)
        {
            return;
        }
        CephErrors.CheckRbd(Interop.Rbd.Resize(_handle, newSize, allowShrink, null), "rbd_resize2", Reference.ToString());
    }

    private void Unprotect(string snapshot)
    {
        if (!IsProtected(snapshot))
        {
            return;
        }
        var result = Interop.Rbd.SnapUnprotect(_handle, snapshot);
        if (result == -(int)CephErrno.Busy)
        {
            var clones = ListChildren();
            throw new RbdImageInUseException(
                "rbd_snap_unprotect",
                At(snapshot),
                [],
                clones,
                $"rbd_snap_unprotect {At(snapshot)}: refused, the snapshot has {clones.Count} clone(s) ({string.Join(", ", clones)}); flatten or remove them first");
        }
        CephErrors.CheckRbd(result, "rbd_snap_unprotect", At(snapshot));
    }

    private bool RemoveSnapshot(string snapshot)
    {
        var result = Interop.Rbd.SnapRemove(_handle, snapshot);
        if (result == -(int)CephErrno.NotFound)
        {
            return false;
        }
        if (result == -(int)CephErrno.Busy)
        {
            throw CephErrors.Refused(CephErrno.Busy, "rbd_snap_remove", At(snapshot), "the snapshot is protected; unprotect it first");
        }
        CephErrors.CheckRbd(result, "rbd_snap_remove", At(snapshot));
        return true;
    }

    internal IReadOnlyList<string> PurgeUnprotectedSnapshots()
    {
        var removed = new List<string>();
        foreach (var snapshot in ListSnapshots().Where(s => !s.IsProtected))
        {
            if (RemoveSnapshot(snapshot.Name))
            {
                removed.Add(snapshot.Name);
            }
        }
        return removed;
    }

    private void Flatten(IProgress<RbdProgress>? progress, CancellationToken cancellationToken)
    {
        if (ReadParent(_handle, Reference.ToString()) is null)
        {
            return;
        }
        var result = Interop.Rbd.Flatten(_handle, (done, total) =>
        {
            progress?.Report(new RbdProgress(done, total));
            return !cancellationToken.IsCancellationRequested;
        });
        if (result < 0 && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"flatten of {Reference} canceled; the image is still a clone of its parent", cancellationToken);
        }
        CephErrors.CheckRbd(result, "rbd_flatten_with_progress", Reference.ToString());
    }

    private string At(string snapshot) => $"{Pool.Name}/{Name}@{snapshot}";
}

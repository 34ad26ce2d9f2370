namespace Platform.Agent.Storage.Rbd;

/// <summary>What <c>rbd info</c> shows of an image.</summary>
/// <param name="Pool">The pool it lives in.</param>
/// <param name="Name">Its name in the pool.</param>
/// <param name="Id">librbd's internal id (stays the same across renames).</param>
/// <param name="Size">Provisioned size in bytes.</param>
/// <param name="ObjectSize">Bytes per RADOS object (4 MiB by default).</param>
/// <param name="ObjectCount">Objects the size spans (not how many exist: images are thin).</param>
/// <param name="Features">Its feature bits.</param>
/// <param name="Parent">The snapshot it was cloned from, until flattened; null for an independent image.</param>
internal sealed record RbdImageInfo(
    string Pool,
    string Name,
    string Id,
    ulong Size,
    ulong ObjectSize,
    ulong ObjectCount,
    RbdImageFeatures Features,
    RbdParent? Parent)
{
    public RbdImageReference Reference => new(Pool, Name);
}

/// <summary>An image named by pool and name; prints as <c>pool/name</c>, like the rbd CLI.</summary>
internal sealed record RbdImageReference(string Pool, string Name)
{
    public override string ToString() => Pool + "/" + Name;
}

/// <summary>The snapshot a clone reads unwritten data from; prints as <c>pool/image@snapshot</c>.</summary>
internal sealed record RbdParent(string Pool, string Image, string ImageId, string Snapshot)
{
    public RbdImageReference Reference => new(Pool, Image);

    public override string ToString() => $"{Pool}/{Image}@{Snapshot}";
}

/// <summary>A snapshot of an image; a v1 clone's parent snapshot must be protected.</summary>
internal sealed record RbdSnapshotInfo(ulong Id, string Name, ulong Size, bool IsProtected);

/// <summary>A client with the image open read-write (qemu, rbd-nbd, another agent…).</summary>
internal sealed record RbdWatcher(string Address, long ClientId, ulong Cookie)
{
    public override string ToString() => $"client.{ClientId} at {Address}";
}

/// <summary>A progress report of a long operation: <see cref="Done"/> of <see cref="Total"/> units (objects or bytes).</summary>
internal readonly record struct RbdProgress(ulong Done, ulong Total)
{
    public double Fraction => Total == 0 ? 1 : Math.Min(1, (double)Done / Total);
}

/// <summary>RBD image feature bits (include/rbd/features.h).</summary>
[Flags]
internal enum RbdImageFeatures : ulong
{
    None = 0,
    Layering = 1 << 0,
    StripingV2 = 1 << 1,
    ExclusiveLock = 1 << 2,
    ObjectMap = 1 << 3,
    FastDiff = 1 << 4,
    DeepFlatten = 1 << 5,
    Journaling = 1 << 6,
    DataPool = 1 << 7,
    Operations = 1 << 8,
    Migrating = 1 << 9,
    NonPrimary = 1 << 10,
    DirtyCache = 1 << 11,

    /// <summary>
    /// Ceph's default set (RBD_FEATURES_DEFAULT): clones need layering; the object map makes
    /// clone, copy, flatten and remove skip objects that were never written; deep-flatten lets a
    /// flattened clone with snapshots drop its parent.
    /// </summary>
    Default = Layering | ExclusiveLock | ObjectMap | FastDiff | DeepFlatten,
}

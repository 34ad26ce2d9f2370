namespace Platform.Agent.Storage.Rbd;

/// <summary>An image's info, snapshots and clones, read through one open of the image.</summary>
internal sealed record RbdImageDescription(RbdImageInfo Info, IReadOnlyList<RbdSnapshotInfo> Snapshots, IReadOnlyList<RbdImageReference> Children);

/// <summary>How a <see cref="RbdPool.TryCloneAsync"/> ended.</summary>
internal enum RbdCloneOutcome
{
    /// <summary>The clone was made.</summary>
    Cloned,

    /// <summary>An image of the clone's name exists already (nothing was changed).</summary>
    NameTaken,

    /// <summary>The parent or its snapshot is missing, or the snapshot is not protected (nothing was changed).</summary>
    SnapshotNotReady,
}

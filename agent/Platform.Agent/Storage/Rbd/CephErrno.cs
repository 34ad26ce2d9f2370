namespace Platform.Agent.Storage.Rbd;

/// <summary>
/// The errno values librados and librbd report (they return them negated). Each name is what the
/// value means for RBD; a value without a name still round-trips as <c>(CephErrno)n</c>.
/// </summary>
internal enum CephErrno
{
    None = 0,

    /// <summary>EPERM: cephx caps forbid the operation.</summary>
    NotPermitted = 1,

    /// <summary>ENOENT: no such pool, image or snapshot (or monitor address to try).</summary>
    NotFound = 2,

    /// <summary>EIO.</summary>
    IOError = 5,

    /// <summary>ENOMEM.</summary>
    OutOfMemory = 12,

    /// <summary>EACCES: authentication failed (wrong key or user).</summary>
    AccessDenied = 13,

    /// <summary>EBUSY: image open by a client (watcher), or snapshot protected/with clones.</summary>
    Busy = 16,

    /// <summary>EEXIST: an image or snapshot of that name exists.</summary>
    Exists = 17,

    /// <summary>EINVAL: a bad name, size, feature set, unprotected parent snapshot, shrink not allowed…</summary>
    InvalidArgument = 22,

    /// <summary>EFBIG.</summary>
    TooLarge = 27,

    /// <summary>ENOSPC: the cluster is full.</summary>
    NoSpace = 28,

    /// <summary>EROFS: a write through a read-only image handle.</summary>
    ReadOnly = 30,

    /// <summary>ERANGE: a buffer too small (the needed count is set); the bindings retry these.</summary>
    BufferTooSmall = 34,

    /// <summary>ENAMETOOLONG.</summary>
    NameTooLong = 36,

    /// <summary>ENOSYS.</summary>
    NotImplemented = 38,

    /// <summary>ENOTEMPTY: the image still has snapshots.</summary>
    HasSnapshots = 39,

    /// <summary>ERESTART: librbd cancelled an operation (e.g. the lock was lost).</summary>
    Restart = 85,

    /// <summary>EOPNOTSUPP: a feature the cluster or image does not support.</summary>
    NotSupported = 95,

    /// <summary>ESHUTDOWN: this client was blocklisted.</summary>
    Blocklisted = 108,

    /// <summary>ETIMEDOUT: no monitor answered within client_mount_timeout, or an op timeout expired.</summary>
    TimedOut = 110,

    /// <summary>ECONNREFUSED.</summary>
    ConnectionRefused = 111,

    /// <summary>EDQUOT: the pool's quota is used up.</summary>
    QuotaExceeded = 122,

    /// <summary>ECANCELED: stopped through a progress callback.</summary>
    Canceled = 125,
}

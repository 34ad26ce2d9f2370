namespace Platform.Agent.DriverDisk;

/// <summary>The driver disk's status; the numbers are those of platform.agent.v1.DriverDiskStatus (0: no disk yet).</summary>
internal enum DriverDiskStatus
{
    Uninitialized = 0,
    Normal = 1,
    Merging = 2,
    Error = 3,
    Restoring = 4,
}

/// <summary>The folders of the disk; the numbers are those of platform.agent.v1.DriverFolder.</summary>
internal enum DriverFolder
{
    /// <summary>sys/wang: universal system drivers (an ISO image).</summary>
    SystemUniversal = 1,

    /// <summary>sys/tq: extracted system drivers (a .tq, which is a zip).</summary>
    SystemExtracted = 2,

    /// <summary>pri: printer drivers (a zip).</summary>
    Printer = 3,
}

/// <summary>Why an engine call did not do what was asked; each kind maps to one gRPC status code.</summary>
internal enum DriverDiskErrorKind
{
    /// <summary>A parameter is malformed (a target or file name, a size, an upload name, content over its limit): INVALID_ARGUMENT.</summary>
    InvalidArgument,

    /// <summary>The upload is not an archive 7-Zip can test, or an entry is unsafe or over a limit: INVALID_ARGUMENT (details per entry).</summary>
    InvalidArchive,

    /// <summary>The content is an archive of another type than the folder takes (不是一个可接受的文件类型): INVALID_ARGUMENT.</summary>
    UnacceptableType,

    /// <summary>The upload, or the driver to act on, does not exist: NOT_FOUND.</summary>
    NotFound,

    /// <summary>A driver of that name exists in the folder, from other content (系统驱动文件名称重复): ALREADY_EXISTS.</summary>
    AlreadyExists,

    /// <summary>Initialize on a disk that exists: ALREADY_EXISTS.</summary>
    AlreadyInitialized,

    /// <summary>No disk yet: FAILED_PRECONDITION.</summary>
    NotInitialized,

    /// <summary>The disk's status does not allow the call (merging, restoring, error, not mounted): FAILED_PRECONDITION.</summary>
    WrongState,

    /// <summary>Another command holds the disk, or its files are in use (驱动中心正忙，请稍后再试): UNAVAILABLE (retry later).</summary>
    Busy,

    /// <summary>Not enough free space on the host or the disk (服务器空间不足，请释放空间后再试): RESOURCE_EXHAUSTED.</summary>
    NoSpace,

    /// <summary>A step of save, restore or initialize failed; the disk is now in ERROR with this reason (except for initialize): INTERNAL.</summary>
    Failed,
}

/// <summary>One field or entry and what is wrong with it.</summary>
internal sealed record DriverDiskErrorDetail(string Field, string Reason);

/// <summary>An expected failure of an engine call, as a value.</summary>
internal sealed record DriverDiskError(DriverDiskErrorKind Kind, string Message, IReadOnlyList<DriverDiskErrorDetail> Details)
{
    public static DriverDiskError Of(DriverDiskErrorKind kind, string message, params DriverDiskErrorDetail[] details) => new(kind, message, details);

    public static DriverDiskError Field(DriverDiskErrorKind kind, string field, string reason) =>
        new(kind, $"{field} {reason}", [new DriverDiskErrorDetail(field, reason)]);

    public override string ToString() => Details.Count == 0
        ? $"{Kind}: {Message}"
        : $"{Kind}: {Message} ({string.Join("; ", Details.Select(d => $"{d.Field}: {d.Reason}"))})";
}

/// <summary>The value of a call, or why there is none.</summary>
internal readonly struct DriverDiskResult<T>
    where T : class
{
    private DriverDiskResult(T? value, DriverDiskError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public DriverDiskError? Error { get; }

    public bool Succeeded => Error is null;

    public static implicit operator DriverDiskResult<T>(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), null);

    public static implicit operator DriverDiskResult<T>(DriverDiskError error) => new(null, error ?? throw new ArgumentNullException(nameof(error)));

    /// <summary>The value; throws (a bug in the caller) when the call failed.</summary>
    public T Unwrap() => Value ?? throw new InvalidOperationException($"the call failed: {Error}");

    public override string ToString() => Error is null ? $"ok: {Value}" : Error.ToString();
}

/// <summary>What GetState reports; sizes in bytes.</summary>
/// <param name="Status">Normal, merging (a save runs), restoring, error, or uninitialized.</param>
/// <param name="Error">The reason, when <paramref name="Status"/> is error.</param>
/// <param name="Version">The saved version terminals can reach (0 before initialize).</param>
/// <param name="Mounted">Whether the editable overlay is mounted on the host.</param>
/// <param name="FreeBytes">What an import can still write: the smaller of <paramref name="DiskFreeBytes"/> (when mounted) and <paramref name="HostFreeBytes"/>.</param>
/// <param name="DiskFreeBytes">Free space of the NTFS file system when mounted, else 0.</param>
/// <param name="HostFreeBytes">Free space of the host file system holding the images.</param>
/// <param name="Running">The command holding the disk right now, if any.</param>
/// <param name="MountPath">Where the NTFS file system is mounted, when it is.</param>
internal sealed record DriverDiskState(
    DriverDiskStatus Status,
    string? Error,
    long Version,
    bool Mounted,
    long FreeBytes,
    long DiskFreeBytes,
    long HostFreeBytes,
    string? Running,
    string? MountPath);

/// <summary>An import that took place (or had already taken place with the same content: <paramref name="Repeated"/>).</summary>
internal sealed record DriverImport(DriverFolder Folder, string Name, long Files, long Bytes, string ArchiveType, bool Repeated);

/// <summary>Remove's outcome: how many drivers went, and which names were not there.</summary>
internal sealed record DriverRemoval(int Removed, IReadOnlyList<string> Missing);

/// <summary>A driver of the disk (as the backup folder holds it).</summary>
/// <param name="ArchiveType">7-Zip's type of the imported archive; empty for a driver found in the backup without a record.</param>
/// <param name="UploadSha256">sha256 of the upload it was imported from (a copy keeps its source's); empty as <paramref name="ArchiveType"/>.</param>
/// <param name="ImportedAt">When it was imported or copied.</param>
internal sealed record DriverEntry(DriverFolder Folder, string Name, long Files, long Bytes, string ArchiveType, string UploadSha256, DateTimeOffset ImportedAt);

/// <summary>A copy that took place (or had already taken place: <paramref name="Repeated"/>).</summary>
internal sealed record DriverCopy(DriverFolder Folder, string Source, string Name, long Files, long Bytes, bool Repeated);

/// <summary>A file written into a driver's folder, under <paramref name="FileName"/> (the existing file's spelling when it replaced one).</summary>
internal sealed record DriverFileWrite(DriverFolder Folder, string Name, string FileName, long Bytes, string Sha256);

/// <summary>
/// A file a terminal downloads (a name in the agent's transfer area, served by FileService).
/// The base brings a terminal to <paramref name="ToVersion"/> from nothing (<paramref name="FromVersion"/> 0);
/// a delta applies to the base of <paramref name="FromVersion"/>, whose md5 is <paramref name="ParentMd5"/>,
/// and the server's base after merging it has md5 <paramref name="MergedMd5"/>.
/// </summary>
internal sealed record DriverDiskFile(
    string Name,
    long SizeBytes,
    string Md5,
    string Sha256,
    long FromVersion,
    long ToVersion,
    string ParentMd5,
    string MergedMd5,
    DateTimeOffset CreatedAt);

/// <summary>What a terminal needs to reach <paramref name="Version"/>: the base, or the deltas from a version it has (oldest first).</summary>
internal sealed record DriverDiskManifest(long Version, DriverDiskFile Base, IReadOnlyList<DriverDiskFile> Deltas);

/// <summary>Progress of a save or restore: the step about to run and the share of steps done.</summary>
internal sealed record DriverDiskProgress(DriverDiskStep Step, int Percent, string Message);

/// <summary>
/// The steps of the engine's commands, in order. Each is announced (log, progress, the step hook)
/// before it is taken; the persisted state names the command and step while it runs.
/// </summary>
internal enum DriverDiskStep
{
    InitializeBuild,
    InitializePublish,
    InitializeSwitch,
    InitializeMount,

    ImportExtract,
    ImportVerify,
    ImportBackup,
    ImportPlace,
    ImportRecord,

    RemoveDelete,

    CopyStage,
    CopyBackup,
    CopyPlace,
    CopyRecord,

    WriteFileBackup,
    WriteFileDisk,
    WriteFileRecord,

    SaveUnmount,
    SaveCheck,
    SaveDelta,
    SaveCopyBase,
    SaveCommit,
    SaveHash,
    SaveNewOverlay,
    SavePublish,
    SaveSwitch,
    SaveCleanup,
    SaveMount,

    RestoreUnmount,
    RestoreBuild,
    RestorePublish,
    RestoreSwitch,
    RestoreCleanup,
    RestoreMount,
}

/// <summary>
/// Called before each step (tests inject failures and crashes here; production has none). An
/// exception from the hook is the step's failure; <see cref="DriverDiskAbortedException"/> is
/// the process dying at that point.
/// </summary>
internal interface IDriverDiskStepHook
{
    ValueTask BeforeStepAsync(DriverDiskStep step, CancellationToken cancellationToken);
}

/// <summary>
/// Stops the engine dead where it is thrown, as a kill -9 of the agent would: no clean-up, no
/// state written, the state directory's lock let go. The instance is unusable afterwards; a new
/// one over the same directories recovers.
/// </summary>
internal sealed class DriverDiskAbortedException : Exception
{
    public DriverDiskAbortedException()
        : base("the driver disk engine was aborted")
    {
    }

    public DriverDiskAbortedException(string message)
        : base(message)
    {
    }

    public DriverDiskAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

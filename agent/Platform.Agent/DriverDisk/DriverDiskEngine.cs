using Platform.Agent.Linux;
using Microsoft.Extensions.Options;
using Platform.Agent.Transfer;

namespace Platform.Agent.DriverDisk;

/// <summary>
/// The driver center's NTFS disk on this host (seed 003 §4.2): a qcow2 base holding version V,
/// an overlay (V + 1 in the making) mounted read-write for imports and removals, saves that keep
/// the overlay as a delta for terminals and merge it into a new base, restore from the backup
/// folder, and the manifest terminals download by.
/// </summary>
/// <remarks>
/// <para>Layout under <see cref="DriverDiskOptions.StateDirectory"/>: <c>state.json</c> (the
/// persisted <see cref="DiskState"/>), <c>lock</c> (held while an engine owns the directory),
/// <c>disk/</c> (<c>base-V.qcow2</c>, <c>active-(V+1).qcow2</c>, <c>delta-F-T.qcow2</c>),
/// <c>run/</c> (the FUSE export <c>active.raw</c>, the NTFS mount <c>mnt/</c>, the storage
/// daemon's pid file), <c>build/</c> (raw file systems while a base is built). The base and the
/// deltas are published into the transfer area as <c>driverdisk-base-vV.qcow2</c> and
/// <c>driverdisk-delta-vF-vT.qcow2</c> (hard links), where FileService serves them.</para>
/// <para>One command at a time: commands that find the disk held answer Busy at once rather than
/// queue (a save never waits behind an import). State, manifest and listings need no lock. A
/// base is never modified once written: a save commits the delta into a copy, and the write of
/// state.json naming the new base is the one step that switches versions (see
/// <see cref="RecoveryPlan"/>).</para>
/// <para>Expected failures are <see cref="DriverDiskError"/> values; exceptions are bugs, or tools
/// failing during an import or removal (which is undone first).</para>
/// </remarks>
internal sealed partial class DriverDiskEngine : IAsyncDisposable
{
    public const string PublishPrefix = "driverdisk-";

    private const string CommandComContent = "\u00CD\u0020"; // INT 20h: a DOS program that exits.

    private readonly DriverDiskOptions _options;
    private readonly TransferArea _transfer;
    private readonly TimeProvider _time;
    private readonly ILogger<DriverDiskEngine> _logger;
    private readonly IDriverDiskStepHook? _hook;
    private readonly DiskMounter _mounter;
    private readonly SevenZip _sevenZip;
    private readonly QemuImg _qemuImg;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _startLock = new();

    private readonly string _root;
    private readonly string _statePath;
    private readonly string _diskDirectory;
    private readonly string _runDirectory;
    private readonly string _buildDirectory;
    private readonly string _backupDirectory;
    private readonly string _exportFile;
    private readonly string _mountPoint;
    private readonly string _pidFile;

    private Task? _recovery;
    private Task? _supervision;
    private FileStream? _lockFile;
    private volatile DiskState? _state;
    private volatile string? _loadError;
    private volatile string? _mountLost;
    private volatile MountedDisk? _mounted;
    private volatile string? _running;

    // The step the running command is taking (state shows it: "save: SaveCommit").
    private volatile string? _runningStep;

    // Free bytes of the NTFS file system when no command was running (see Snapshot).
    private long _lastDiskFree;
    private volatile bool _dead;
    private volatile bool _stopped;

    public DriverDiskEngine(
        IOptions<DriverDiskOptions> options,
        TransferArea transfer,
        TimeProvider time,
        ILogger<DriverDiskEngine> logger,
        IDriverDiskStepHook? hook = null)
    {
        _options = options.Value;
        _transfer = transfer;
        _time = time;
        _logger = logger;
        _hook = hook;
        _mounter = new DiskMounter(_options, logger);
        _sevenZip = new SevenZip(_options.SevenZip, _options.ToolTimeout);
        _qemuImg = new QemuImg(_options.QemuImg, _options.ToolTimeout);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(_options.StateDirectory));
        _statePath = Path.Combine(_root, "state.json");
        _diskDirectory = Path.Combine(_root, "disk");
        _runDirectory = Path.Combine(_root, "run");
        _buildDirectory = Path.Combine(_root, "build");
        _backupDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(_options.BackupDirectory));
        _exportFile = Path.Combine(_runDirectory, "active.raw");
        _mountPoint = Path.Combine(_runDirectory, "mnt");
        _pidFile = Path.Combine(_runDirectory, "qemu-storage-daemon.pid");
    }

    /// <summary>Where the editable disk is mounted while it is.</summary>
    public string MountPoint => _mountPoint;

    public string BackupDirectory => _backupDirectory;

    /// <summary>The mount's processes (for diagnostics and tests), while mounted.</summary>
    internal MountedDisk? Mounted => _mounted;

    /// <summary>
    /// Runs crash recovery once (later calls wait for the first): takes the state directory's
    /// lock, tears down mounts and daemons an earlier agent left, and finishes or undoes the
    /// command it was running (<see cref="RecoveryPlan"/>). Every command awaits it first.
    /// </summary>
    public Task RecoverAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_dead, this);
        lock (_startLock)
        {
            _recovery ??= Task.Run(RecoverCoreAsync, CancellationToken.None);
        }
        return _recovery.WaitAsync(cancellationToken);
    }

    public Task<DriverDiskState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Snapshot(fromOutside: true));
    }

    /// <summary>The base and the deltas (oldest first, the expired left out) a terminal needs to reach the current version.</summary>
    public Task<DriverDiskResult<DriverDiskManifest>> GetManifestAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_state is not { } state)
        {
            return Task.FromResult<DriverDiskResult<DriverDiskManifest>>(NotInitialized());
        }
        var (keep, _) = DeltaRetention.Apply(state.Deltas, state.Version, _options.DeltaCount, _options.DeltaMaxAge, _time.GetUtcNow());
        DriverDiskResult<DriverDiskManifest> manifest = new DriverDiskManifest(state.Version, state.Base.ToFile(), [.. keep.Select(d => d.ToFile())]);
        return Task.FromResult(manifest);
    }

    /// <summary>The drivers of one folder (or all), by name.</summary>
    public Task<DriverDiskResult<IReadOnlyList<DriverEntry>>> ListDriversAsync(DriverFolder? folder = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_state is not { } state)
        {
            return Task.FromResult<DriverDiskResult<IReadOnlyList<DriverEntry>>>(NotInitialized());
        }
        var entries = new List<DriverEntry>();
        foreach (var candidate in DriverFolders.All.Where(f => folder is null || f == folder))
        {
            var prefix = DriverFolders.RelativePath(candidate) + "/";
            foreach (var (key, record) in state.Drivers.Where(d => d.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                entries.Add(new DriverEntry(candidate, key[prefix.Length..], record.Files, record.Bytes, record.ArchiveType, record.UploadSha256, record.ImportedAt));
            }
        }
        return Task.FromResult<DriverDiskResult<IReadOnlyList<DriverEntry>>>(entries);
    }

    /// <summary>Stops supervising and unmounts cleanly (the agent is stopping); waits for a running command first.</summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        if (_dead || _stopped)
        {
            return;
        }
        await _lifetime.CancelAsync().ConfigureAwait(false);
        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogShutdownAbandoned(_logger, _running ?? "a command");
            return;
        }
        try
        {
            _stopped = true;
            if (_mounted is { } mounted)
            {
                _mounted = null;
                if (!await _mounter.UnmountAsync(mounted, CancellationToken.None).ConfigureAwait(false))
                {
                    _mounted = mounted;
                    LogLeftMounted(_logger, _mountPoint);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_lifetime.IsCancellationRequested)
        {
            await _lifetime.CancelAsync().ConfigureAwait(false);
        }
        if (_supervision is { } supervision)
        {
            await supervision.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _lockFile?.Dispose();
        _lifetime.Dispose();
    }

    /// <summary>
    /// The state now. <paramref name="fromOutside"/>: asked by a caller while a command may be
    /// running (GetState), not by the command itself as its result.
    /// </summary>
    private DriverDiskState Snapshot(bool fromOutside = false)
    {
        var state = _state;
        var mounted = _mounted;
        var mountLost = _mountLost;
        var status = state?.Status ?? (_loadError is null && mountLost is null ? DriverDiskStatus.Uninitialized : DriverDiskStatus.Error);
        if (mountLost is not null && status == DriverDiskStatus.Normal)
        {
            status = DriverDiskStatus.Error;
        }
        var error = status == DriverDiskStatus.Error ? state?.Error ?? mountLost ?? _loadError : null;
        var hostFree = FreeBytes(Directory.Exists(_root) ? _root : "/");
        // statvfs of the NTFS mount waits for ntfs-3g, which a running command may be flushing or
        // unmounting: a caller from outside then gets the free space last seen instead of waiting.
        var diskFree = mounted is null || mountLost is not null ? 0
            : fromOutside && _running is not null ? _lastDiskFree
            : _lastDiskFree = FreeBytes(mounted.MountPoint);
        var free = mounted is null ? hostFree : Math.Min(hostFree, diskFree);
        // A command's own result is the state it leaves: it no longer runs once the caller reads it.
        var running = fromOutside && _running is { } command ? (_runningStep is { } step ? $"{command}: {step}" : command) : null;
        return new DriverDiskState(status, error, state?.Version ?? 0, mounted is not null && mountLost is null, free, diskFree, hostFree, running, mounted?.MountPoint);
    }

    private static long FreeBytes(string path)
    {
        try
        {
            return LinuxNative.AvailableBytes(path);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> holding the disk. Another command holding it makes this one
    /// Busy at once; an abort (the process "dying") leaves the lock held and the engine dead.
    /// </summary>
    private async Task<DriverDiskResult<T>> ExclusiveAsync<T>(string what, Func<Task<DriverDiskResult<T>>> work, CancellationToken cancellationToken)
        where T : class
    {
        ObjectDisposedException.ThrowIf(_dead, this);
        await RecoverAsync(cancellationToken).ConfigureAwait(false);
        if (_stopped)
        {
            return DriverDiskError.Of(DriverDiskErrorKind.Busy, "the agent is stopping");
        }
        if (!await _gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            var running = _running ?? "another command";
            LogBusy(_logger, what, running);
            return DriverDiskError.Of(DriverDiskErrorKind.Busy, $"the driver disk is busy: {running} is running", new DriverDiskErrorDetail("running", running));
        }
        _running = what;
        _runningStep = null;
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (DriverDiskAbortedException)
        {
            Die();
            throw;
        }
        finally
        {
            if (!_dead)
            {
                _running = null;
                _gate.Release();
            }
        }
    }

    /// <summary>Logs the step, reports progress, and lets the hook act, before the step is taken.</summary>
    private async Task StepAsync(DriverDiskStep step, IProgress<DriverDiskProgress>? progress, CancellationToken cancellationToken)
    {
        var (percent, message) = Describe(step);
        _runningStep = step.ToString();
        switch (step)
        {
            case >= DriverDiskStep.ImportExtract and <= DriverDiskStep.WriteFileRecord:
                LogFileStep(_logger, step, message);
                break;
            case >= DriverDiskStep.RestoreUnmount:
                LogBackupStep(_logger, step, message);
                break;
            default:
                LogImageStep(_logger, step, message);
                break;
        }
        progress?.Report(new DriverDiskProgress(step, percent, message));
        if (_hook is not null)
        {
            await _hook.BeforeStepAsync(step, cancellationToken).ConfigureAwait(false);
        }
    }

    private static (int Percent, string Message) Describe(DriverDiskStep step) => step switch
    {
        DriverDiskStep.InitializeBuild => (5, "building the base file system"),
        DriverDiskStep.InitializePublish => (70, "publishing the base for terminals"),
        DriverDiskStep.InitializeSwitch => (80, "recording the new disk"),
        DriverDiskStep.InitializeMount => (90, "mounting the overlay for editing"),
        DriverDiskStep.ImportExtract => (10, "extracting into a staging folder on the disk"),
        DriverDiskStep.ImportVerify => (50, "checking what was extracted"),
        DriverDiskStep.ImportBackup => (60, "copying into the backup folder"),
        DriverDiskStep.ImportPlace => (90, "moving into place"),
        DriverDiskStep.ImportRecord => (95, "recording the driver"),
        DriverDiskStep.RemoveDelete => (10, "deleting from the disk and the backup folder"),
        DriverDiskStep.CopyStage => (10, "copying into a staging folder on the disk"),
        DriverDiskStep.CopyBackup => (60, "copying into the backup folder"),
        DriverDiskStep.CopyPlace => (90, "moving into place"),
        DriverDiskStep.CopyRecord => (95, "recording the copy"),
        DriverDiskStep.WriteFileBackup => (10, "writing the file into the backup folder"),
        DriverDiskStep.WriteFileDisk => (50, "writing the file onto the disk"),
        DriverDiskStep.WriteFileRecord => (90, "recording the driver's new size"),
        DriverDiskStep.SaveUnmount => (5, "unmounting the overlay and waiting for its processes"),
        DriverDiskStep.SaveCheck => (10, "checking the overlay (qemu-img check)"),
        DriverDiskStep.SaveDelta => (15, "keeping the overlay as a delta for terminals"),
        DriverDiskStep.SaveCopyBase => (40, "copying the base"),
        DriverDiskStep.SaveCommit => (55, "committing the delta into the copy of the base"),
        DriverDiskStep.SaveHash => (75, "checking and hashing the new base"),
        DriverDiskStep.SaveNewOverlay => (85, "creating the next overlay"),
        DriverDiskStep.SavePublish => (88, "publishing the base and the delta for terminals"),
        DriverDiskStep.SaveSwitch => (90, "switching to the new version"),
        DriverDiskStep.SaveCleanup => (93, "removing the old base and expired deltas"),
        DriverDiskStep.SaveMount => (96, "mounting the next overlay"),
        DriverDiskStep.RestoreUnmount => (5, "unmounting the disk"),
        DriverDiskStep.RestoreBuild => (10, "rebuilding the base from the backup folder"),
        DriverDiskStep.RestorePublish => (80, "publishing the base for terminals"),
        DriverDiskStep.RestoreSwitch => (85, "switching to the rebuilt disk"),
        DriverDiskStep.RestoreCleanup => (90, "removing the old images"),
        DriverDiskStep.RestoreMount => (95, "mounting the overlay for editing"),
        _ => (0, step.ToString()),
    };

    private void Persist(DiskState state)
    {
        ObjectDisposedException.ThrowIf(_dead, this);
        DiskStateFile.Save(_statePath, state);
        _state = state;
    }

    /// <summary>Writes down the command's next step before it is taken.</summary>
    private DiskState PersistStep(DiskState state, DriverDiskStep step)
    {
        var next = state with { Pending = state.Pending! with { Step = step } };
        Persist(next);
        return next;
    }

    /// <summary>The process "died" here (an injected abort): stop everything without cleaning anything up.</summary>
    private void Die()
    {
        _dead = true;
        _lifetime.Cancel();
        _lockFile?.Dispose();
        _lockFile = null;
        LogAborted(_logger, _running ?? "a command");
    }

    private string DiskPath(string file) => Path.Combine(_diskDirectory, file);

    private static string BaseFileName(long version) => $"base-{version}.qcow2";

    private static string ActiveFileName(long version) => $"active-{version}.qcow2";

    private static string DeltaFileName(long from, long to) => $"delta-{from}-{to}.qcow2";

    private static string PublishedBaseName(long version) => $"{PublishPrefix}base-v{version}.qcow2";

    private static string PublishedDeltaName(long from, long to) => $"{PublishPrefix}delta-v{from}-v{to}.qcow2";

    private static DriverDiskError NotInitialized() =>
        DriverDiskError.Of(DriverDiskErrorKind.NotInitialized, "the driver disk has not been initialized");

    /// <summary>Null when the disk can be edited, else why not.</summary>
    private DriverDiskError? EditableProblem()
    {
        if (_state is not { } state)
        {
            return _loadError is null
                ? NotInitialized()
                : DriverDiskError.Of(DriverDiskErrorKind.WrongState, $"the driver disk is in error: {_loadError}", new DriverDiskErrorDetail("status", DriverDiskStatus.Error.ToString()));
        }
        var status = Snapshot().Status;
        if (status != DriverDiskStatus.Normal)
        {
            var reason = status == DriverDiskStatus.Error ? $": {state.Error ?? _mountLost}" : "";
            return DriverDiskError.Of(DriverDiskErrorKind.WrongState, $"the driver disk is {status.ToString().ToLowerInvariant()}{reason}", new DriverDiskErrorDetail("status", status.ToString()));
        }
        if (_mounted is null)
        {
            return DriverDiskError.Of(DriverDiskErrorKind.WrongState, "the driver disk is not mounted", new DriverDiskErrorDetail("mounted", "false"));
        }
        return null;
    }
}

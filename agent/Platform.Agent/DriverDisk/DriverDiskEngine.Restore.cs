using Platform.Agent.Linux;
namespace Platform.Agent.DriverDisk;

internal sealed partial class DriverDiskEngine
{
    /// <summary>
    /// Rebuilds the disk from the backup folder (the way out of the error state, and allowed in
    /// normal state too): a new base of version V + 1 holding every driver of the backup, a fresh
    /// overlay, mounted. Deltas are dropped: no delta leads to a rebuilt base, so terminals
    /// download it whole. Edits not saved are lost by design (the backup is the reference).
    /// </summary>
    public async Task<DriverDiskResult<DriverDiskState>> RestoreAsync(IProgress<DriverDiskProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        return await ExclusiveAsync<DriverDiskState>("restore", async () =>
        {
            if (_state is null && _loadError is null)
            {
                return NotInitialized();
            }
            return await RestoreCoreAsync(progress).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DriverDiskResult<DriverDiskState>> RestoreCoreAsync(IProgress<DriverDiskProgress>? progress)
    {
        var none = CancellationToken.None;
        var previous = _state;
        var from = previous?.Version ?? HighestVersionOnDisk();
        var to = from + 1;
        var size = previous?.SizeBytes ?? _options.DefaultSizeBytes;
        LogRestoreStarted(_logger, from, to);

        // Backup-side leftovers of an import or removal cut short (e.g. by a lost mount) first:
        // the backup is what the disk is rebuilt from.
        FinishBackupSide(previous?.Pending);
        DeleteStaging(mount: false);

        var state = previous is null ? null : previous with { Error = null, Pending = new PendingOperation(PendingKind.Restore, DriverDiskStep.RestoreUnmount, _time.GetUtcNow()) };
        if (state is not null)
        {
            Persist(state);
        }
        var step = DriverDiskStep.RestoreUnmount;
        ImageRecord baseRecord;
        try
        {
            await StepAsync(step, progress, none).ConfigureAwait(false);
            if (_mounted is { } mounted)
            {
                _mounted = null;
                if (!await _mounter.UnmountAsync(mounted, none).ConfigureAwait(false))
                {
                    _mounted = mounted;
                    if (previous is not null)
                    {
                        Persist(previous);
                    }
                    return DriverDiskError.Of(DriverDiskErrorKind.Busy, "files on the driver disk are in use; close them and restore again", new DriverDiskErrorDetail("mount", _mountPoint));
                }
            }
            await _mounter.CleanStaleAsync(_runDirectory, none).ConfigureAwait(false);
            _mountLost = null;

            step = DriverDiskStep.RestoreBuild;
            state = state is null ? null : PersistStep(state, step);
            await StepAsync(step, progress, none).ConfigureAwait(false);
            baseRecord = await BuildBaseAsync(size, to, fromVersion: 0, none).ConfigureAwait(false);
            await _qemuImg.CreateOverlayAsync(DiskPath(ActiveFileName(to + 1)), baseRecord.File, none).ConfigureAwait(false);
            FileTools.Sync(DiskPath(ActiveFileName(to + 1)));
            LinuxNative.SyncDirectory(_diskDirectory);

            step = DriverDiskStep.RestorePublish;
            state = state is null ? null : PersistStep(state, step);
            await StepAsync(step, progress, none).ConfigureAwait(false);
            Publish(DiskPath(baseRecord.File), baseRecord.Published);

            step = DriverDiskStep.RestoreSwitch;
            state = state is null ? null : PersistStep(state, step);
            await StepAsync(step, progress, none).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not DriverDiskAbortedException)
        {
            var reason = $"restore to version {to} failed at {step}: {e.Message}";
            LogRestoreFailed(_logger, step, e.Message);
            if (previous is not null)
            {
                var failed = previous with { Error = reason, Pending = null };
                Persist(failed);
                TryCleanUp(() => Sweep(failed));
            }
            else
            {
                _loadError = reason;
            }
            return DriverDiskError.Of(DriverDiskErrorKind.Failed, reason, new DriverDiskErrorDetail("step", step.ToString()));
        }

        // The commit point: the rebuilt disk is the disk.
        var restored = new DiskState(DiskState.CurrentFormat, to, size, baseRecord, ActiveFileName(to + 1), [], ScanBackup(previous?.Drivers), Error: null, Pending: null);
        Persist(restored);
        _loadError = null;
        LogRestored(_logger, to, restored.Drivers.Count, baseRecord.Md5);

        await StepAsync(DriverDiskStep.RestoreCleanup, progress, none).ConfigureAwait(false);
        TryCleanUp(() => Sweep(restored));

        await StepAsync(DriverDiskStep.RestoreMount, progress, none).ConfigureAwait(false);
        if (await MountOrFailAsync(restored, $"after the restore to version {to}").ConfigureAwait(false) is { } mountFailed)
        {
            return mountFailed;
        }
        progress?.Report(new DriverDiskProgress(DriverDiskStep.RestoreMount, 100, $"restored version {to}"));
        return Snapshot();
    }

    /// <summary>Undoes an unfinished import and finishes an unfinished removal in the backup folder.</summary>
    private void FinishBackupSide(PendingOperation? pending)
    {
        switch (pending)
        {
            case { Kind: PendingKind.Import or PendingKind.Copy, Folder: { } folder, Name: { } name }:
                RemoveDrivers(folder, [name], fromMount: false);
                LogRolledBack(_logger, pending.Kind.ToString().ToLowerInvariant(), DriverFolders.Key(folder, name));
                break;
            case { Kind: PendingKind.WriteFile, Folder: { } folder, Name: { } name, Names: [var file] }:
                SettleFileWriteInBackup(pending);
                LogRolledBack(_logger, "file write", $"{DriverFolders.Key(folder, name)}/{file}");
                break;
            case { Kind: PendingKind.Remove, Folder: { } folder, Names: { } names }:
                RemoveDrivers(folder, names, fromMount: false);
                break;
        }
    }

    /// <summary>The highest version any file in the disk directory names (when state.json was lost).</summary>
    private long HighestVersionOnDisk()
    {
        if (!Directory.Exists(_diskDirectory))
        {
            return 0;
        }
        long highest = 0;
        foreach (var name in Directory.EnumerateFiles(_diskDirectory).Select(Path.GetFileName))
        {
            foreach (var part in name!.Split('-', '.'))
            {
                if (long.TryParse(part, out var number))
                {
                    highest = Math.Max(highest, number);
                }
            }
        }
        return highest;
    }
}

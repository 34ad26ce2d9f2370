namespace Platform.Agent.DriverDisk;

internal sealed partial class DriverDiskEngine
{
    private async Task RecoverCoreAsync()
    {
        Directory.CreateDirectory(_root);
        try
        {
            // Held for the engine's life: a second agent on the same directory stops here.
            _lockFile = new FileStream(Path.Combine(_root, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"another agent holds the driver disk in {_root}: {e.Message}", e);
        }
        foreach (var directory in (string[])[_diskDirectory, _runDirectory, _buildDirectory, _backupDirectory])
        {
            Directory.CreateDirectory(directory);
        }
        foreach (var folder in DriverFolders.All)
        {
            Directory.CreateDirectory(Path.Combine(_backupDirectory, DriverFolders.RelativePath(folder)));
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        _running = "recovery";
        try
        {
            await RecoverLockedAsync().ConfigureAwait(false);
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

    private async Task RecoverLockedAsync()
    {
        // The persisted state first, so that GetState reports it (with "recovery" running) meanwhile.
        var state = TryLoad();
        _state = state;

        // Never two writers on one image: whatever an earlier agent left mounted or running goes first.
        try
        {
            var cleaned = await _mounter.CleanStaleAsync(_root, CancellationToken.None).ConfigureAwait(false);
            if (cleaned.Count > 0)
            {
                LogStaleFound(_logger, cleaned.Count);
            }
        }
        catch (Exception e) when (e is IOException or ToolFailedException)
        {
            _mountLost = $"what an earlier agent left mounted cannot be cleaned up: {e.Message}";
            LogRecoveryBlocked(_logger, e.Message);
            return;
        }
        if (_loadError is not null)
        {
            return;
        }
        var action = RecoveryPlan.Decide(state);
        LogRecovery(_logger, action, state?.Version ?? 0, state?.Pending?.Kind, state?.Pending?.Step);
        switch (action)
        {
            case RecoveryAction.StayUninitialized:
                Sweep(null);
                return;

            case RecoveryAction.StayInError:
                TryCleanUp(() => Sweep(state));
                return;

            case RecoveryAction.RedoRestore:
                await RestoreCoreAsync(null).ConfigureAwait(false);
                return;

            case RecoveryAction.RollBackSave:
                // The base of version V and overlay V + 1 were never modified: drop what the save made.
                state = state! with { Pending = null };
                Persist(state);
                Sweep(state);
                LogRolledBack(_logger, "save", $"version {state.Version + 1}");
                break;

            case RecoveryAction.RollBackImport:
            case RecoveryAction.FinishRemove:
            case RecoveryAction.RollBackFileWrite:
                // The backup side first: it does not need the mount.
                FinishBackupSide(state!.Pending);
                DeleteStaging(mount: false);
                Sweep(state);
                break;

            default:
                Sweep(state);
                state = PruneExpiredDeltas(state!);
                break;
        }

        if (await MountOrFailAsync(state!, "at start").ConfigureAwait(false) is not null)
        {
            return;
        }
        DeleteStaging(mount: true);
        if (state!.Pending is { Kind: PendingKind.WriteFile } write)
        {
            // The disk side of an unfinished file write: the disk's file follows the backup's.
            SettleFileWriteOnDisk(write);
            Persist(state with { Drivers = RemeasuredDrivers(state.Drivers, write.Folder!.Value, write.Name!), Pending = null });
        }
        else if (state.Pending is { } pending)
        {
            // The disk side of an unfinished import (undone) or removal (finished).
            var undone = pending.Kind is PendingKind.Import or PendingKind.Copy;
            var names = undone ? [pending.Name!] : pending.Names ?? [];
            var relative = DriverFolders.RelativePath(pending.Folder!.Value);
            foreach (var name in names)
            {
                FileTools.DeleteTree(Path.Combine(_mountPoint, relative, name));
            }
            var drivers = pending.Kind == PendingKind.Remove
                ? state.Drivers.Where(d => !names.Any(n => d.Key == DriverFolders.Key(pending.Folder.Value, n))).ToDictionary(StringComparer.Ordinal)
                : state.Drivers;
            Persist(state with { Drivers = drivers, Pending = null });
            LogRolledBack(_logger, undone ? pending.Kind.ToString().ToLowerInvariant() : "removal (finished)", string.Join(", ", names.Select(n => $"{relative}/{n}")));
        }
    }

    private DiskState? TryLoad()
    {
        try
        {
            return DiskStateFile.Load(_statePath);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            _loadError = $"the driver disk's state cannot be read ({e.Message}); restore rebuilds it from the backup folder";
            LogStateUnreadable(_logger, _statePath, e.Message);
            return null;
        }
    }

    /// <summary>Deltas past their age (the agent was down, or time passed since the last save) go at start.</summary>
    private DiskState PruneExpiredDeltas(DiskState state)
    {
        var (keep, drop) = DeltaRetention.Apply(state.Deltas, state.Version, _options.DeltaCount, _options.DeltaMaxAge, _time.GetUtcNow());
        if (drop.Count == 0)
        {
            return state;
        }
        state = state with { Deltas = keep };
        Persist(state);
        TryCleanUp(() => Sweep(state));
        return state;
    }
}

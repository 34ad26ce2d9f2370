using Platform.Agent.Linux;
namespace Platform.Agent.DriverDisk;

internal sealed partial class DriverDiskEngine
{
    /// <summary>
    /// Saves the edits: version V + 1 from overlay V + 1 on base V. Refused while another command
    /// (an import) holds the disk (Busy), when files in the mount are in use (Busy, still
    /// mounted), and when the host lacks space (NoSpace, with the numbers). Steps: unmount and
    /// wait for the mount's processes to exit; qemu-img check; the overlay becomes the delta for
    /// terminals (qemu-img convert [-c] -B base: what the overlay holds, nothing of the base);
    /// the base is copied and the delta committed into the copy (the delta, not the overlay: the
    /// server merges exactly what terminals will); the copy is checked and hashed; a new overlay
    /// is created on it; both files are published; then state.json switches to the new version
    /// (the commit point); the old base, overlay and expired deltas go; the new overlay is
    /// mounted. A failure before the switch leaves version V and puts the disk in error (restore
    /// rebuilds it); a crash before the switch is rolled back at start (the edits are kept), after
    /// it completed.
    /// </summary>
    public async Task<DriverDiskResult<DriverDiskState>> SaveAsync(IProgress<DriverDiskProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        return await ExclusiveAsync<DriverDiskState>("save", async () =>
        {
            if (EditableProblem() is { } notEditable)
            {
                return notEditable;
            }
            var state = _state!;
            if (SaveSpaceProblem(state) is { } noSpace)
            {
                LogSaveRefused(_logger, noSpace.ToString());
                return noSpace;
            }
            return await SaveCoreAsync(state, progress).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DriverDiskResult<DriverDiskState>> SaveCoreAsync(DiskState state, IProgress<DriverDiskProgress>? progress)
    {
        // Tools run to the end whatever the caller does: an abandoned call must not leave an error.
        var none = CancellationToken.None;
        var before = state;
        var from = state.Version;
        var to = from + 1;
        var active = DiskPath(state.Active);
        var baseFile = DiskPath(state.Base.File);
        var deltaName = DeltaFileName(from, to);
        var delta = DiskPath(deltaName);
        var newBaseName = BaseFileName(to);
        var newBase = DiskPath(newBaseName);
        var newBaseTemporary = newBase + ".tmp";
        var newActiveName = ActiveFileName(to + 1);
        LogSaveStarted(_logger, from, to);

        state = state with { Pending = new PendingOperation(PendingKind.Save, DriverDiskStep.SaveUnmount, _time.GetUtcNow()) };
        Persist(state);
        var step = DriverDiskStep.SaveUnmount;
        ImageRecord newDelta, newBaseRecord;
        try
        {
            await StepAsync(step, progress, none).ConfigureAwait(false);
            var mounted = _mounted!;
            _mounted = null;
            if (!await _mounter.UnmountAsync(mounted, none).ConfigureAwait(false))
            {
                _mounted = mounted;
                Persist(before);
                return DriverDiskError.Of(DriverDiskErrorKind.Busy, "files on the driver disk are in use; close them and save again", new DriverDiskErrorDetail("mount", _mountPoint));
            }

            state = PersistStep(state, step = DriverDiskStep.SaveCheck);
            await StepAsync(step, progress, none).ConfigureAwait(false);
            if (await _qemuImg.CheckAsync(active, none).ConfigureAwait(false) is { } damaged)
            {
                throw new ToolFailedException(damaged);
            }

            state = PersistStep(state, step = DriverDiskStep.SaveDelta);
            await StepAsync(step, progress, none).ConfigureAwait(false);
            await _qemuImg.MakeDeltaAsync(active, state.Base.File, delta + ".tmp", _options.CompressDeltas, none).ConfigureAwait(false);
            FileTools.Sync(delta + ".tmp");
            File.Move(delta + ".tmp", delta, overwrite: true);
            LinuxNative.SyncDirectory(_diskDirectory);
            var deltaHash = await FileTools.HashAsync(delta, none).ConfigureAwait(false);

            state = PersistStep(state, step = DriverDiskStep.SaveCopyBase);
            await StepAsync(step, progress, none).ConfigureAwait(false);
            FileTools.CopyDurably(baseFile, newBaseTemporary);

            state = PersistStep(state, step = DriverDiskStep.SaveCommit);
            await StepAsync(step, progress, none).ConfigureAwait(false);
            // A copy of the delta, pointed at the copy of the base, is committed (and emptied by it).
            var commitTop = DiskPath($"commit-{to}.qcow2.tmp");
            FileTools.CopyDurably(delta, commitTop);
            await _qemuImg.RebaseUnsafeAsync(commitTop, Path.GetFileName(newBaseTemporary), none).ConfigureAwait(false);
            await _qemuImg.CommitAsync(commitTop, none).ConfigureAwait(false);
            File.Delete(commitTop);

            state = PersistStep(state, step = DriverDiskStep.SaveHash);
            await StepAsync(step, progress, none).ConfigureAwait(false);
            if (await _qemuImg.CheckAsync(newBaseTemporary, none).ConfigureAwait(false) is { } badBase)
            {
                throw new ToolFailedException(badBase);
            }
            FileTools.Sync(newBaseTemporary);
            File.Move(newBaseTemporary, newBase, overwrite: true);
            LinuxNative.SyncDirectory(_diskDirectory);
            var baseHash = await FileTools.HashAsync(newBase, none).ConfigureAwait(false);

            state = PersistStep(state, step = DriverDiskStep.SaveNewOverlay);
            await StepAsync(step, progress, none).ConfigureAwait(false);
            await _qemuImg.CreateOverlayAsync(DiskPath(newActiveName), newBaseName, none).ConfigureAwait(false);
            FileTools.Sync(DiskPath(newActiveName));
            LinuxNative.SyncDirectory(_diskDirectory);

            var now = _time.GetUtcNow();
            newDelta = new ImageRecord(deltaName, PublishedDeltaName(from, to), deltaHash.Size, deltaHash.Md5, deltaHash.Sha256, from, to, state.Base.Md5, baseHash.Md5, now);
            newBaseRecord = new ImageRecord(newBaseName, PublishedBaseName(to), baseHash.Size, baseHash.Md5, baseHash.Sha256, 0, to, "", baseHash.Md5, now);

            state = PersistStep(state, step = DriverDiskStep.SavePublish);
            await StepAsync(step, progress, none).ConfigureAwait(false);
            Publish(newBase, newBaseRecord.Published);
            Publish(delta, newDelta.Published);

            state = PersistStep(state, step = DriverDiskStep.SaveSwitch);
            await StepAsync(step, progress, none).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not DriverDiskAbortedException)
        {
            var reason = $"save to version {to} failed at {step}: {e.Message}";
            LogSaveFailed(_logger, step, e.Message);
            var failed = before with { Error = reason, Pending = null };
            Persist(failed);
            TryCleanUp(() => Sweep(failed));
            return DriverDiskError.Of(DriverDiskErrorKind.Failed, reason, new DriverDiskErrorDetail("step", step.ToString()));
        }

        // The commit point: from here on the disk is at version `to`.
        var (keep, drop) = DeltaRetention.Apply([.. state.Deltas, newDelta], to, _options.DeltaCount, _options.DeltaMaxAge, _time.GetUtcNow());
        state = state with { Version = to, Base = newBaseRecord, Active = newActiveName, Deltas = keep, Pending = null };
        Persist(state);
        LogSaved(_logger, from, to, newDelta.SizeBytes, newDelta.Md5, newBaseRecord.Md5, drop.Count);

        await StepAsync(DriverDiskStep.SaveCleanup, progress, none).ConfigureAwait(false);
        TryCleanUp(() => Sweep(state));

        await StepAsync(DriverDiskStep.SaveMount, progress, none).ConfigureAwait(false);
        if (await MountOrFailAsync(state, $"after the save to version {to}").ConfigureAwait(false) is { } mountFailed)
        {
            return mountFailed;
        }
        progress?.Report(new DriverDiskProgress(DriverDiskStep.SaveMount, 100, $"saved version {to}"));
        return Snapshot();
    }

    /// <summary>
    /// A save writes a copy of the base, the delta (at most the overlay's size), the base's growth
    /// (at most the overlay's size), and copies into the transfer area when it is on another file
    /// system; plus the reserve.
    /// </summary>
    private DriverDiskError? SaveSpaceProblem(DiskState state)
    {
        var baseBytes = new FileInfo(DiskPath(state.Base.File)).Length;
        var activeBytes = new FileInfo(DiskPath(state.Active)).Length;
        var needed = baseBytes + 2 * activeBytes + _options.ReserveBytes;
        if (!string.Equals(MountOf(_root), MountOf(_transfer.Root), StringComparison.Ordinal))
        {
            needed += baseBytes + 2 * activeBytes;
        }
        var free = FreeBytes(_root);
        return free >= needed
            ? null
            : DriverDiskError.Of(DriverDiskErrorKind.NoSpace, $"not enough free space to save: needs {needed} bytes under {_root}, has {free}",
                new DriverDiskErrorDetail("host", $"needs {needed} bytes free, has {free}"));
    }

    private void TryCleanUp(Action cleanUp)
    {
        try
        {
            cleanUp();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCleanupFailed(_logger, _root, e.Message);
        }
    }
}

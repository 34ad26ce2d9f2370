using Platform.Agent.Linux;

namespace Platform.Agent.DriverDisk;

/// <summary>Mounting the active overlay, and supervising the mount daemons while it is mounted.</summary>
internal sealed partial class DriverDiskEngine
{
    private async Task MountActiveAsync(DiskState state)
    {
        Directory.CreateDirectory(_runDirectory);
        _mountLost = null;
        _mounted = await _mounter.MountImageAsync(DiskPath(state.Active), _exportFile, _mountPoint, _pidFile, CancellationToken.None).ConfigureAwait(false);
        EnsureSupervision();
    }

    /// <summary>Mounts the active overlay; a failure puts the disk in error (persisted) instead of throwing.</summary>
    private async Task<DriverDiskError?> MountOrFailAsync(DiskState state, string when)
    {
        try
        {
            await MountActiveAsync(state).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is ToolFailedException or IOException)
        {
            var reason = $"mounting {state.Active} {when} failed: {e.Message}";
            LogMountFailed(_logger, state.Active, e.Message);
            Persist(_state! with { Error = reason, Pending = null });
            await CleanRunDirectoryAsync().ConfigureAwait(false);
            return DriverDiskError.Of(DriverDiskErrorKind.Failed, reason);
        }
    }

    private async Task CleanRunDirectoryAsync()
    {
        try
        {
            await _mounter.CleanStaleAsync(_runDirectory, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ToolFailedException)
        {
            LogCleanupFailed(_logger, _runDirectory, e.Message);
        }
    }

    private void EnsureSupervision()
    {
        lock (_startLock)
        {
            _supervision ??= Task.Run(() => SuperviseAsync(_lifetime.Token), CancellationToken.None);
        }
    }

    /// <summary>
    /// Checks the mount's processes at every interval; one that is gone (ntfs-3g or the storage
    /// daemon crashed or was killed) puts the disk in error: what it was writing may be lost, and
    /// restore rebuilds the disk from the backup folder.
    /// </summary>
    private async Task SuperviseAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.SupervisionInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                if (_mounted is not { } mounted || _mountLost is not null || DiskMounter.Problem(mounted) is not { } problem)
                {
                    continue;
                }
                // An unmount in progress clears _mounted first; only the mount still in use counts.
                if (!ReferenceEquals(_mounted, mounted) || _dead)
                {
                    continue;
                }
                _mountLost = problem;
                LogMountLost(_logger, problem);
                await RecordMountLostAsync(mounted, problem, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The engine is stopping.
        }
    }

    private async Task RecordMountLostAsync(MountedDisk mounted, string problem, CancellationToken stopping)
    {
        await _gate.WaitAsync(stopping).ConfigureAwait(false);
        _running = "clean-up of the failed mount";
        try
        {
            if (_dead || !ReferenceEquals(_mounted, mounted))
            {
                return;
            }
            _mounted = null;
            if (_state is { Error: null } state)
            {
                Persist(state with { Error = problem, Pending = null });
            }
            // What is left of the mount (the other daemon, a dead FUSE mount) goes.
            await CleanRunDirectoryAsync().ConfigureAwait(false);
        }
        finally
        {
            _running = null;
            _gate.Release();
        }
    }
}

using Platform.Agent.Linux;
using System.Text;

namespace Platform.Agent.DriverDisk;

internal sealed partial class DriverDiskEngine
{
    public const long MinSizeBytes = 64 * DriverDiskOptions.MiB;
    public const long MaxSizeBytes = 64 * 1024 * DriverDiskOptions.GiB;

    /// <summary>
    /// Creates the disk: a base (version 1) holding DOS/COMMAND.COM, sys/wang, sys/tq, pri and
    /// whatever the backup folder already holds, and its first overlay, mounted for editing.
    /// <paramref name="sizeBytes"/> 0 means <see cref="DriverDiskOptions.DefaultSizeBytes"/>.
    /// </summary>
    public async Task<DriverDiskResult<DriverDiskState>> InitializeAsync(long sizeBytes, CancellationToken cancellationToken = default)
    {
        if (sizeBytes != 0 && sizeBytes is < MinSizeBytes or > MaxSizeBytes)
        {
            return DriverDiskError.Field(DriverDiskErrorKind.InvalidArgument, "size_bytes", $"must be 0 (the default, {_options.DefaultSizeBytes}) or between {MinSizeBytes} and {MaxSizeBytes}");
        }
        // Whole MiB: mkntfs and terminals' tools like round sizes.
        var size = sizeBytes == 0 ? _options.DefaultSizeBytes : (sizeBytes + DriverDiskOptions.MiB - 1) / DriverDiskOptions.MiB * DriverDiskOptions.MiB;
        return await ExclusiveAsync<DriverDiskState>("initialize", async () =>
        {
            if (_state is not null || _loadError is not null)
            {
                return DriverDiskError.Of(DriverDiskErrorKind.AlreadyInitialized, $"the driver disk exists (version {_state?.Version ?? 0})");
            }
            if (_mountLost is { } blocked)
            {
                return DriverDiskError.Of(DriverDiskErrorKind.WrongState, $"the driver disk is in error: {blocked}", new DriverDiskErrorDetail("status", DriverDiskStatus.Error.ToString()));
            }
            Sweep(null);
            const long version = 1;
            var switched = false;
            try
            {
                await StepAsync(DriverDiskStep.InitializeBuild, null, CancellationToken.None).ConfigureAwait(false);
                var baseRecord = await BuildBaseAsync(size, version, fromVersion: 0, CancellationToken.None).ConfigureAwait(false);
                await _qemuImg.CreateOverlayAsync(DiskPath(ActiveFileName(version + 1)), baseRecord.File, CancellationToken.None).ConfigureAwait(false);
                FileTools.Sync(DiskPath(ActiveFileName(version + 1)));
                LinuxNative.SyncDirectory(_diskDirectory);

                await StepAsync(DriverDiskStep.InitializePublish, null, CancellationToken.None).ConfigureAwait(false);
                Publish(DiskPath(baseRecord.File), baseRecord.Published);

                await StepAsync(DriverDiskStep.InitializeSwitch, null, CancellationToken.None).ConfigureAwait(false);
                var state = new DiskState(DiskState.CurrentFormat, version, size, baseRecord, ActiveFileName(version + 1), [], ScanBackup(null), Error: null, Pending: null);
                Persist(state);
                switched = true;
                LogInitialized(_logger, size, baseRecord.SizeBytes, baseRecord.Md5);

                await StepAsync(DriverDiskStep.InitializeMount, null, CancellationToken.None).ConfigureAwait(false);
                if (await MountOrFailAsync(state, "after initialize").ConfigureAwait(false) is { } failed)
                {
                    return failed;
                }
                return Snapshot();
            }
            catch (Exception e) when (!switched && e is ToolFailedException or IOException)
            {
                LogInitializeFailed(_logger, e.Message);
                Sweep(null);
                return DriverDiskError.Of(DriverDiskErrorKind.Failed, $"initialize failed: {e.Message}");
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds a base without the libguestfs appliance: a sparse raw file, mkntfs -Q (no zeroing of
    /// the whole size), ntfs-3g to fill it (the skeleton and the backup folder's drivers), then
    /// qemu-img convert to qcow2. Returns the base's record (file in disk/, hashes).
    /// </summary>
    private async Task<ImageRecord> BuildBaseAsync(long size, long version, long fromVersion, CancellationToken cancellationToken)
    {
        var work = Path.Combine(_buildDirectory, Guid.NewGuid().ToString("N"));
        var raw = Path.Combine(work, "disk.raw");
        var mountPoint = Path.Combine(work, "mnt");
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(_diskDirectory);
        try
        {
            await using (var file = new FileStream(raw, FileMode.CreateNew, FileAccess.Write))
            {
                file.SetLength(size);
            }
            await ToolRunner.RunCheckedAsync(_options.Mkntfs, ["-Q", "-F", "-q", "-L", _options.VolumeLabel, raw], _options.ToolTimeout, cancellationToken).ConfigureAwait(false);
            var mounted = await _mounter.MountRawAsync(raw, mountPoint, readOnly: false, cancellationToken).ConfigureAwait(false);
            var unmounted = false;
            try
            {
                foreach (var folder in DriverFolders.Skeleton)
                {
                    Directory.CreateDirectory(Path.Combine(mountPoint, folder));
                }
                await File.WriteAllTextAsync(Path.Combine(mountPoint, DriverFolders.CommandComPath), CommandComContent, Encoding.Latin1, cancellationToken).ConfigureAwait(false);
                var copied = 0;
                foreach (var folder in DriverFolders.All)
                {
                    foreach (var driver in BackupDrivers(folder))
                    {
                        FileTools.CopyTree(Path.Combine(_backupDirectory, DriverFolders.RelativePath(folder), driver), Path.Combine(mountPoint, DriverFolders.RelativePath(folder), driver), durable: false, cancellationToken);
                        copied++;
                    }
                }
                LogBaseFilled(_logger, version, copied);
                unmounted = await _mounter.UnmountAsync(mounted, cancellationToken).ConfigureAwait(false);
                if (!unmounted)
                {
                    throw new IOException($"the base being built at {mountPoint} is in use and cannot be unmounted");
                }
            }
            finally
            {
                if (!unmounted)
                {
                    await _mounter.CleanStaleAsync(work, CancellationToken.None).ConfigureAwait(false);
                }
            }
            var name = BaseFileName(version);
            var temporary = DiskPath(name + ".tmp");
            await _qemuImg.ConvertRawAsync(raw, temporary, cancellationToken).ConfigureAwait(false);
            FileTools.Sync(temporary);
            File.Move(temporary, DiskPath(name), overwrite: true);
            LinuxNative.SyncDirectory(_diskDirectory);
            var (bytes, md5, sha256) = await FileTools.HashAsync(DiskPath(name), cancellationToken).ConfigureAwait(false);
            return new ImageRecord(name, PublishedBaseName(version), bytes, md5, sha256, fromVersion, version, "", md5, _time.GetUtcNow());
        }
        finally
        {
            FileTools.DeleteTree(work);
        }
    }

    /// <summary>The drivers (folders) the backup holds in <paramref name="folder"/>; staging and hidden names are not drivers.</summary>
    private List<string> BackupDrivers(DriverFolder folder)
    {
        var directory = Path.Combine(_backupDirectory, DriverFolders.RelativePath(folder));
        if (!Directory.Exists(directory))
        {
            return [];
        }
        return Directory.EnumerateDirectories(directory)
            .Select(Path.GetFileName)
            .Where(name => name is not null && NtfsNames.TargetNameProblem(name) is null)
            .Select(name => name!)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Records of the drivers in the backup folder, keeping what <paramref name="known"/> knew of each.</summary>
    private Dictionary<string, DriverRecord> ScanBackup(IReadOnlyDictionary<string, DriverRecord>? known)
    {
        var records = new Dictionary<string, DriverRecord>(StringComparer.Ordinal);
        foreach (var folder in DriverFolders.All)
        {
            foreach (var driver in BackupDrivers(folder))
            {
                var key = DriverFolders.Key(folder, driver);
                var (files, _, bytes) = FileTools.Measure(Path.Combine(_backupDirectory, DriverFolders.RelativePath(folder), driver));
                records[key] = known is not null && known.TryGetValue(key, out var record)
                    ? record with { Files = files, Bytes = bytes }
                    : new DriverRecord("", files, bytes, "", _time.GetUtcNow());
            }
        }
        return records;
    }
}

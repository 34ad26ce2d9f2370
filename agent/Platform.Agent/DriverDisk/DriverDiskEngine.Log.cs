namespace Platform.Agent.DriverDisk;

// Prefixes as the seed's troubleshooting table (§4.2.5): voi_drive_img_manage (images: build,
// mount, save), voi_drive_file_manage (driver files: import, remove), voi_drive_backups_manage
// (backup and restore). Event ids 60xx, 61xx and 62xx respectively.
internal sealed partial class DriverDiskEngine
{
    [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "voi_drive_img_manage: step {Step}: {Description}")]
    private static partial void LogImageStep(ILogger logger, DriverDiskStep step, string description);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Information, Message = "voi_drive_img_manage: initialized the driver disk: version 1, {SizeBytes} bytes virtual, base {BaseBytes} bytes, md5 {Md5}")]
    private static partial void LogInitialized(ILogger logger, long sizeBytes, long baseBytes, string md5);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Error, Message = "voi_drive_img_manage: initialize failed: {Reason}")]
    private static partial void LogInitializeFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 6013, Level = LogLevel.Information, Message = "voi_drive_img_manage: base of version {Version} filled with {Drivers} drivers from the backup folder")]
    private static partial void LogBaseFilled(ILogger logger, long version, int drivers);

    [LoggerMessage(EventId = 6014, Level = LogLevel.Information, Message = "voi_drive_img_manage: saving version {From} to {To}")]
    private static partial void LogSaveStarted(ILogger logger, long from, long to);

    [LoggerMessage(EventId = 6015, Level = LogLevel.Warning, Message = "voi_drive_img_manage: save refused: {Reason}")]
    private static partial void LogSaveRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 6016, Level = LogLevel.Error, Message = "voi_drive_img_manage: save failed at {Step}: {Reason}; the disk is in error until restored")]
    private static partial void LogSaveFailed(ILogger logger, DriverDiskStep step, string reason);

    [LoggerMessage(EventId = 6017, Level = LogLevel.Information, Message = "voi_drive_img_manage: saved version {From} to {To}: delta {DeltaBytes} bytes md5 {DeltaMd5}, base md5 {BaseMd5}, {Dropped} old deltas dropped")]
    private static partial void LogSaved(ILogger logger, long from, long to, long deltaBytes, string deltaMd5, string baseMd5, int dropped);

    [LoggerMessage(EventId = 6018, Level = LogLevel.Information, Message = "voi_drive_img_manage: published {File} for download as {Name}")]
    private static partial void LogPublished(ILogger logger, string file, string name);

    [LoggerMessage(EventId = 6019, Level = LogLevel.Information, Message = "voi_drive_img_manage: removed leftover {Path}")]
    private static partial void LogSwept(ILogger logger, string path);

    [LoggerMessage(EventId = 6020, Level = LogLevel.Error, Message = "voi_drive_img_manage: mounting {Image} failed: {Reason}; the disk is in error")]
    private static partial void LogMountFailed(ILogger logger, string image, string reason);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Error, Message = "voi_drive_img_manage: the mount failed while in use: {Problem}; the disk is in error until restored")]
    private static partial void LogMountLost(ILogger logger, string problem);

    [LoggerMessage(EventId = 6022, Level = LogLevel.Warning, Message = "voi_drive_img_manage: clean-up of {Path} failed: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 6023, Level = LogLevel.Information, Message = "voi_drive_img_manage: {What} refused: the disk is busy with {Running}")]
    private static partial void LogBusy(ILogger logger, string what, string running);

    [LoggerMessage(EventId = 6024, Level = LogLevel.Warning, Message = "voi_drive_img_manage: stopping while {Running} is still running; recovery finishes it at the next start")]
    private static partial void LogShutdownAbandoned(ILogger logger, string running);

    [LoggerMessage(EventId = 6025, Level = LogLevel.Warning, Message = "voi_drive_img_manage: {MountPoint} is in use and stays mounted; the next start cleans it up")]
    private static partial void LogLeftMounted(ILogger logger, string mountPoint);

    [LoggerMessage(EventId = 6026, Level = LogLevel.Error, Message = "voi_drive_img_manage: aborted during {Running} (injected); nothing was cleaned up")]
    private static partial void LogAborted(ILogger logger, string running);

    [LoggerMessage(EventId = 6027, Level = LogLevel.Warning, Message = "voi_drive_img_manage: recovery cleaned up {Count} mounts and processes an earlier agent left")]
    private static partial void LogStaleFound(ILogger logger, int count);

    [LoggerMessage(EventId = 6028, Level = LogLevel.Error, Message = "voi_drive_img_manage: recovery cannot clean up the earlier mount: {Reason}; the disk is in error")]
    private static partial void LogRecoveryBlocked(ILogger logger, string reason);

    [LoggerMessage(EventId = 6029, Level = LogLevel.Information, Message = "voi_drive_img_manage: recovery: {Action} (version {Version}, pending {PendingKind} at {PendingStep})")]
    private static partial void LogRecovery(ILogger logger, RecoveryAction action, long version, PendingKind? pendingKind, DriverDiskStep? pendingStep);

    [LoggerMessage(EventId = 6030, Level = LogLevel.Error, Message = "voi_drive_img_manage: {Path} cannot be read: {Reason}; the disk is in error until restored")]
    private static partial void LogStateUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "voi_drive_file_manage: step {Step}: {Description}")]
    private static partial void LogFileStep(ILogger logger, DriverDiskStep step, string description);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "voi_drive_file_manage: importing upload {Upload} into {Folder}/{Name}")]
    private static partial void LogImportStarted(ILogger logger, string upload, string folder, string name);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Information, Message = "voi_drive_file_manage: imported {Upload} into {Folder}/{Name}: {Type}, {Files} files, {Bytes} bytes")]
    private static partial void LogImported(ILogger logger, string upload, string folder, string name, string type, long files, long bytes);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "voi_drive_file_manage: import into {Folder}/{Name} refused: {Reason}")]
    private static partial void LogImportRefused(ILogger logger, string folder, string name, string reason);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Error, Message = "voi_drive_file_manage: import into {Folder}/{Name} failed and was undone: {Reason}")]
    private static partial void LogImportFailed(ILogger logger, string folder, string name, string reason);

    [LoggerMessage(EventId = 6106, Level = LogLevel.Information, Message = "voi_drive_file_manage: {Folder}/{Name} was imported from the same upload before; nothing to do")]
    private static partial void LogImportRepeated(ILogger logger, string folder, string name);

    [LoggerMessage(EventId = 6107, Level = LogLevel.Information, Message = "voi_drive_file_manage: removed {Folder}/{Name} from the disk and the backup folder")]
    private static partial void LogRemoved(ILogger logger, string folder, string name);

    [LoggerMessage(EventId = 6108, Level = LogLevel.Information, Message = "voi_drive_file_manage: copying {Folder}/{Source} to {Name}")]
    private static partial void LogCopyStarted(ILogger logger, string folder, string source, string name);

    [LoggerMessage(EventId = 6109, Level = LogLevel.Information, Message = "voi_drive_file_manage: copied {Folder}/{Source} to {Name}: {Files} files, {Bytes} bytes")]
    private static partial void LogCopied(ILogger logger, string folder, string source, string name, long files, long bytes);

    [LoggerMessage(EventId = 6110, Level = LogLevel.Warning, Message = "voi_drive_file_manage: copy of {Folder}/{Source} to {Name} refused: {Reason}")]
    private static partial void LogCopyRefused(ILogger logger, string folder, string source, string name, string reason);

    [LoggerMessage(EventId = 6111, Level = LogLevel.Error, Message = "voi_drive_file_manage: copy of {Folder}/{Source} to {Name} failed and was undone: {Reason}")]
    private static partial void LogCopyFailed(ILogger logger, string folder, string source, string name, string reason);

    [LoggerMessage(EventId = 6112, Level = LogLevel.Information, Message = "voi_drive_file_manage: {Folder}/{Name} was copied from {Source} before; nothing to do")]
    private static partial void LogCopyRepeated(ILogger logger, string folder, string name, string source);

    [LoggerMessage(EventId = 6113, Level = LogLevel.Information, Message = "voi_drive_file_manage: {Action} {Folder}/{Name}/{File} on the disk and in the backup folder: {Bytes} bytes, sha256 {Sha256}")]
    private static partial void LogFileWritten(ILogger logger, string folder, string name, string file, long bytes, string sha256, string action);

    [LoggerMessage(EventId = 6114, Level = LogLevel.Warning, Message = "voi_drive_file_manage: write of {Folder}/{Name}/{File} refused: {Reason}")]
    private static partial void LogWriteRefused(ILogger logger, string folder, string name, string file, string reason);

    [LoggerMessage(EventId = 6115, Level = LogLevel.Error, Message = "voi_drive_file_manage: write of {Folder}/{Name}/{File} failed and was undone: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string folder, string name, string file, string reason);

    [LoggerMessage(EventId = 6201, Level = LogLevel.Information, Message = "voi_drive_backups_manage: step {Step}: {Description}")]
    private static partial void LogBackupStep(ILogger logger, DriverDiskStep step, string description);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Information, Message = "voi_drive_backups_manage: {Folder}/{Name} copied into the backup at {Path}")]
    private static partial void LogBackedUp(ILogger logger, string folder, string name, string path);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Information, Message = "voi_drive_backups_manage: restoring from the backup folder: version {From} to {To}")]
    private static partial void LogRestoreStarted(ILogger logger, long from, long to);

    [LoggerMessage(EventId = 6204, Level = LogLevel.Error, Message = "voi_drive_backups_manage: restore failed at {Step}: {Reason}")]
    private static partial void LogRestoreFailed(ILogger logger, DriverDiskStep step, string reason);

    [LoggerMessage(EventId = 6205, Level = LogLevel.Information, Message = "voi_drive_backups_manage: restored version {Version} with {Drivers} drivers, base md5 {Md5}")]
    private static partial void LogRestored(ILogger logger, long version, int drivers, string md5);

    [LoggerMessage(EventId = 6206, Level = LogLevel.Warning, Message = "voi_drive_backups_manage: recovery rolled back an unfinished {What}: {Detail}")]
    private static partial void LogRolledBack(ILogger logger, string what, string detail);
}

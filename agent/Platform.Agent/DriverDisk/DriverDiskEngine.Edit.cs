using System.Security.Cryptography;
using Platform.Agent.Linux;
using Platform.Contracts.Limits;

namespace Platform.Agent.DriverDisk;

/// <summary>Edits of drivers that are on the disk: copies (duplicating a printer driver) and single small files (its config).</summary>
internal sealed partial class DriverDiskEngine
{
    // Temporary files beside the file a write replaces (a rename is atomic only within a folder).
    private const string WriteTemporaryPrefix = ".write-";

    /// <summary>
    /// Copies the driver <c>FOLDER/SOURCE</c> to <c>FOLDER/TARGET</c> on the mounted disk and in
    /// the backup folder, the way an import places an archive: into a staging folder on the disk,
    /// checked, copied into the backup, both moved into place, everything removed on failure. The
    /// copy is recorded with its source, so the same copy asked again is a success
    /// (<see cref="DriverCopy.Repeated"/>, even after files were written into it); any other
    /// driver under the target name is AlreadyExists.
    /// </summary>
    public async Task<DriverDiskResult<DriverCopy>> CopyAsync(DriverFolder folder, string sourceName, string targetName, CancellationToken cancellationToken = default)
    {
        var problems = new List<DriverDiskErrorDetail>();
        if (!DriverFolders.IsDefined(folder))
        {
            problems.Add(new DriverDiskErrorDetail("folder", "must be one of sys/wang (universal), sys/tq (extracted), pri (printer)"));
        }
        if (NtfsNames.TargetNameProblem(sourceName) is { } sourceProblem)
        {
            problems.Add(new DriverDiskErrorDetail("source_name", sourceProblem));
        }
        if (NtfsNames.TargetNameProblem(targetName) is { } targetProblem)
        {
            problems.Add(new DriverDiskErrorDetail("target_name", targetProblem));
        }
        else if (string.Equals(sourceName, targetName, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new DriverDiskErrorDetail("target_name", "must differ from source_name (compared as Windows does, ignoring case)"));
        }
        if (problems.Count > 0)
        {
            return DriverDiskError.Of(DriverDiskErrorKind.InvalidArgument, $"{problems[0].Field} {problems[0].Reason}", [.. problems]);
        }
        var relative = DriverFolders.RelativePath(folder);
        return await ExclusiveAsync($"copy of {relative}/{sourceName} to {targetName}", () => CopyCoreAsync(folder, sourceName, targetName, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates or replaces the file <paramref name="fileName"/> directly inside the driver
    /// <c>FOLDER/NAME</c>, in the backup folder and on the mounted disk, each by an atomic rename.
    /// An existing file whose name differs only in case is the one replaced (as on Windows). The
    /// replaced file is kept as a link until the write is recorded, so that a failure, or a crash
    /// before the record, puts it back (<see cref="RecoveryAction.RollBackFileWrite"/>).
    /// </summary>
    public async Task<DriverDiskResult<DriverFileWrite>> WriteFileAsync(DriverFolder folder, string targetName, string fileName, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var problems = new List<DriverDiskErrorDetail>();
        if (!DriverFolders.IsDefined(folder))
        {
            problems.Add(new DriverDiskErrorDetail("folder", "must be one of sys/wang (universal), sys/tq (extracted), pri (printer)"));
        }
        var targetProblem = NtfsNames.TargetNameProblem(targetName);
        if (targetProblem is not null)
        {
            problems.Add(new DriverDiskErrorDetail("target_name", targetProblem));
        }
        if (NtfsNames.FileNameProblem(fileName) is { } fileProblem)
        {
            problems.Add(new DriverDiskErrorDetail("file_name", fileProblem));
        }
        else if (targetProblem is null && DriverFolders.IsDefined(folder))
        {
            // As for an archive's entries: Windows tools fail past MAX_PATH.
            var path = $"{DriverFolders.RelativePath(folder)}/{targetName}/{fileName}";
            if (path.Length > _options.MaxPathLength)
            {
                problems.Add(new DriverDiskErrorDetail("file_name", $"makes the path '{path}' longer than {_options.MaxPathLength} characters"));
            }
        }
        if (content.Length > DriverDiskLimits.MaxDriverFileBytes)
        {
            problems.Add(new DriverDiskErrorDetail("content", $"is {content.Length} bytes, more than the {DriverDiskLimits.MaxDriverFileBytes} (64 KiB) a driver file written directly may have; larger files come in an archive"));
        }
        if (problems.Count > 0)
        {
            return DriverDiskError.Of(DriverDiskErrorKind.InvalidArgument, $"{problems[0].Field} {problems[0].Reason}", [.. problems]);
        }
        var relative = DriverFolders.RelativePath(folder);
        return await ExclusiveAsync($"write of {relative}/{targetName}/{fileName}", () => WriteFileCoreAsync(folder, targetName, fileName, content, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private async Task<DriverDiskResult<DriverCopy>> CopyCoreAsync(DriverFolder folder, string sourceName, string targetName, CancellationToken cancellationToken)
    {
        if (EditableProblem() is { } notEditable)
        {
            return notEditable;
        }
        var state = _state!;
        var relative = DriverFolders.RelativePath(folder);
        if (ExistingName(folder, sourceName) is not { } source || !Directory.Exists(Path.Combine(_mountPoint, relative, source)))
        {
            return DriverDiskError.Field(DriverDiskErrorKind.NotFound, "source_name", $"'{sourceName}' is not a driver in {relative}");
        }
        LogCopyStarted(_logger, relative, source, targetName);
        var sourceKey = DriverFolders.Key(folder, source);
        if (ExistingName(folder, targetName) is { } existing)
        {
            if (existing == targetName && state.Drivers.TryGetValue(DriverFolders.Key(folder, targetName), out var copied) && copied.CopiedFrom == sourceKey)
            {
                LogCopyRepeated(_logger, relative, targetName, source);
                return new DriverCopy(folder, source, targetName, copied.Files, copied.Bytes, Repeated: true);
            }
            var taken = DriverDiskError.Field(DriverDiskErrorKind.AlreadyExists, "target_name", $"'{existing}' exists in {relative}");
            LogCopyRefused(_logger, relative, source, targetName, taken.ToString());
            return taken;
        }
        var mountSource = Path.Combine(_mountPoint, relative, source);
        var (files, _, bytes) = FileTools.Measure(mountSource);
        if (SpaceProblem(bytes) is { } noSpace)
        {
            LogCopyRefused(_logger, relative, source, targetName, noSpace.ToString());
            return noSpace;
        }

        var staging = $".staging-{Guid.NewGuid():N}";
        var mountStaging = Path.Combine(_mountPoint, staging);
        var backupStaging = Path.Combine(_backupDirectory, staging);
        var mountTarget = Path.Combine(_mountPoint, relative, targetName);
        var backupTarget = Path.Combine(_backupDirectory, relative, targetName);
        var before = state;
        state = state with { Pending = new PendingOperation(PendingKind.Copy, DriverDiskStep.CopyStage, _time.GetUtcNow(), folder, targetName, Staging: staging) };
        Persist(state);
        bool backedUp = false, placed = false;
        try
        {
            await StepAsync(DriverDiskStep.CopyStage, null, cancellationToken).ConfigureAwait(false);
            FileTools.CopyTree(mountSource, mountStaging, durable: false, cancellationToken);
            var (copiedFiles, _, copiedBytes) = FileTools.Measure(mountStaging);
            if (copiedFiles != files || copiedBytes != bytes)
            {
                throw new IOException($"the copy holds {copiedFiles} files of {copiedBytes} bytes, the source {files} of {bytes}");
            }

            // The backup is copied from what was written on the disk, as for an import.
            await StepAsync(DriverDiskStep.CopyBackup, null, cancellationToken).ConfigureAwait(false);
            FileTools.CopyTree(mountStaging, backupStaging, durable: true, cancellationToken);
            Directory.CreateDirectory(Path.GetDirectoryName(backupTarget)!);
            Directory.Move(backupStaging, backupTarget);
            backedUp = true;
            LinuxNative.SyncDirectory(Path.GetDirectoryName(backupTarget)!);
            LogBackedUp(_logger, relative, targetName, backupTarget);

            await StepAsync(DriverDiskStep.CopyPlace, null, cancellationToken).ConfigureAwait(false);
            Directory.Move(mountStaging, mountTarget);
            placed = true;

            await StepAsync(DriverDiskStep.CopyRecord, null, cancellationToken).ConfigureAwait(false);
            var origin = state.Drivers.GetValueOrDefault(sourceKey);
            var drivers = new Dictionary<string, DriverRecord>(state.Drivers, StringComparer.Ordinal)
            {
                [DriverFolders.Key(folder, targetName)] = new DriverRecord(origin?.UploadSha256 ?? "", files, bytes, origin?.ArchiveType ?? "", _time.GetUtcNow(), CopiedFrom: sourceKey),
            };
            Persist(state with { Drivers = drivers, Pending = null });
            LogCopied(_logger, relative, source, targetName, files, bytes);
            return new DriverCopy(folder, source, targetName, files, bytes, Repeated: false);
        }
        catch (Exception e) when (e is not DriverDiskAbortedException)
        {
            // Nothing of this copy stays: not in the mount, not in the backup.
            FileTools.DeleteTree(mountStaging);
            FileTools.DeleteTree(backupStaging);
            if (placed)
            {
                FileTools.DeleteTree(mountTarget);
            }
            if (backedUp)
            {
                FileTools.DeleteTree(backupTarget);
            }
            Persist(before);
            LogCopyFailed(_logger, relative, source, targetName, e.Message);
            throw;
        }
    }

    private async Task<DriverDiskResult<DriverFileWrite>> WriteFileCoreAsync(DriverFolder folder, string targetName, string fileName, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (EditableProblem() is { } notEditable)
        {
            return notEditable;
        }
        var state = _state!;
        var relative = DriverFolders.RelativePath(folder);
        if (ExistingName(folder, targetName) is not { } name
            || !Directory.Exists(Path.Combine(_mountPoint, relative, name))
            || !Directory.Exists(Path.Combine(_backupDirectory, relative, name)))
        {
            return DriverDiskError.Field(DriverDiskErrorKind.NotFound, "target_name", $"'{targetName}' is not a driver in {relative}");
        }
        var mountDirectory = Path.Combine(_mountPoint, relative, name);
        var backupDirectory = Path.Combine(_backupDirectory, relative, name);
        var actual = EntryIgnoringCase(mountDirectory, fileName) ?? EntryIgnoringCase(backupDirectory, fileName) ?? fileName;
        var backupFile = Path.Combine(backupDirectory, actual);
        if (Directory.Exists(backupFile) || Directory.Exists(Path.Combine(mountDirectory, actual)))
        {
            var folderThere = DriverDiskError.Field(DriverDiskErrorKind.InvalidArgument, "file_name", $"'{actual}' is a folder in {relative}/{name}");
            LogWriteRefused(_logger, relative, name, fileName, folderThere.ToString());
            return folderThere;
        }
        if (SpaceProblem(content.Length) is { } noSpace)
        {
            LogWriteRefused(_logger, relative, name, fileName, noSpace.ToString());
            return noSpace;
        }
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var replaces = File.Exists(backupFile);
        var id = Guid.NewGuid().ToString("N");
        var before = state;
        var pending = new PendingOperation(PendingKind.WriteFile, DriverDiskStep.WriteFileBackup, _time.GetUtcNow(), folder, name, [actual], Staging: id, Replaces: replaces);
        Persist(state with { Pending = pending });
        try
        {
            await StepAsync(DriverDiskStep.WriteFileBackup, null, cancellationToken).ConfigureAwait(false);
            if (replaces)
            {
                // The replaced file stays reachable (a staging folder, swept at every start) until the write is recorded.
                var kept = Directory.CreateDirectory(Path.Combine(_backupDirectory, $".staging-{id}")).FullName;
                if (LinuxNative.HardLink(backupFile, Path.Combine(kept, "replaced")) is var error and not 0)
                {
                    throw new IOException($"cannot keep {backupFile} while it is replaced: {LinuxNative.ErrorText(error)}");
                }
                LinuxNative.SyncDirectory(kept);
            }
            ReplaceFile(backupFile, id, content, durable: true);

            await StepAsync(DriverDiskStep.WriteFileDisk, null, cancellationToken).ConfigureAwait(false);
            ReplaceFile(Path.Combine(mountDirectory, actual), id, content, durable: false);

            await StepAsync(DriverDiskStep.WriteFileRecord, null, cancellationToken).ConfigureAwait(false);
            Persist(state with { Drivers = RemeasuredDrivers(state.Drivers, folder, name), Pending = null });
            FileTools.DeleteTree(Path.Combine(_backupDirectory, $".staging-{id}"));
            LogFileWritten(_logger, relative, name, actual, content.Length, sha256, replaces ? "replaced" : "created");
            return new DriverFileWrite(folder, name, actual, content.Length, sha256);
        }
        catch (Exception e) when (e is not DriverDiskAbortedException)
        {
            SettleFileWriteInBackup(pending);
            SettleFileWriteOnDisk(pending);
            FileTools.DeleteTree(Path.Combine(_backupDirectory, $".staging-{id}"));
            Persist(before);
            LogWriteFailed(_logger, relative, name, actual, e.Message);
            throw;
        }
    }

    /// <summary>
    /// Undoes an unfinished file write in the backup folder: the replaced file back from its link
    /// (a write that replaced nothing: the new file removed), the temporary file removed. The
    /// backup is then as before the write; <see cref="SettleFileWriteOnDisk"/> makes the disk follow.
    /// </summary>
    private void SettleFileWriteInBackup(PendingOperation pending)
    {
        var (directory, file, id) = WriteTargets(pending, _backupDirectory);
        var kept = Path.Combine(_backupDirectory, $".staging-{id}", "replaced");
        if (pending.Replaces)
        {
            // No link yet: the write had not touched the file.
            if (File.Exists(kept))
            {
                File.Move(kept, file, overwrite: true);
            }
        }
        else if (File.Exists(file))
        {
            File.Delete(file);
        }
        File.Delete(Path.Combine(directory, WriteTemporaryPrefix + id));
        if (Directory.Exists(directory))
        {
            LinuxNative.SyncDirectory(directory);
        }
    }

    /// <summary>Makes the disk's file of an unfinished write what the backup's is (a copy, or none), and removes its temporary file.</summary>
    private void SettleFileWriteOnDisk(PendingOperation pending)
    {
        var (directory, file, id) = WriteTargets(pending, _mountPoint);
        var (_, backupFile, _) = WriteTargets(pending, _backupDirectory);
        var temporary = Path.Combine(directory, WriteTemporaryPrefix + id);
        File.Delete(temporary);
        if (!Directory.Exists(directory))
        {
            return;
        }
        if (File.Exists(backupFile))
        {
            File.Copy(backupFile, temporary);
            File.Move(temporary, file, overwrite: true);
        }
        else
        {
            File.Delete(file);
        }
    }

    private static (string Directory, string File, string Id) WriteTargets(PendingOperation pending, string root)
    {
        var directory = Path.Combine(root, DriverFolders.RelativePath(pending.Folder!.Value), pending.Name!);
        return (directory, Path.Combine(directory, pending.Names![0]), pending.Staging!);
    }

    /// <summary>Writes <paramref name="content"/> to a temporary file beside <paramref name="path"/> and renames it over the file.</summary>
    private static void ReplaceFile(string path, string id, ReadOnlyMemory<byte> content, bool durable)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temporary = Path.Combine(directory, WriteTemporaryPrefix + id);
        using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            file.Write(content.Span);
            file.Flush(flushToDisk: durable);
        }
        File.Move(temporary, path, overwrite: true);
        if (durable)
        {
            LinuxNative.SyncDirectory(directory);
        }
    }

    /// <summary>The name of the entry of <paramref name="directory"/> that Windows would take <paramref name="name"/> for (ignoring case), or null.</summary>
    private static string? EntryIgnoringCase(string directory, string name) =>
        Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The records with the driver's files and bytes measured again in the backup folder (what a listing and the next restore see).</summary>
    private Dictionary<string, DriverRecord> RemeasuredDrivers(IReadOnlyDictionary<string, DriverRecord> drivers, DriverFolder folder, string name)
    {
        var key = DriverFolders.Key(folder, name);
        var (files, _, bytes) = FileTools.Measure(Path.Combine(_backupDirectory, DriverFolders.RelativePath(folder), name));
        return new Dictionary<string, DriverRecord>(drivers, StringComparer.Ordinal)
        {
            [key] = drivers.TryGetValue(key, out var record)
                ? record with { Files = files, Bytes = bytes }
                : new DriverRecord("", files, bytes, "", _time.GetUtcNow()),
        };
    }
}

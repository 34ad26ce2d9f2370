using Platform.Agent.Linux;
using Platform.Agent.Transfer;

namespace Platform.Agent.DriverDisk;

internal sealed partial class DriverDiskEngine
{
    /// <summary>
    /// Imports an uploaded archive (a name in the transfer area) into <c>FOLDER/NAME</c> on the
    /// mounted disk and into the backup folder. The type comes from the content (7-Zip), and must
    /// be what the folder takes. Everything is checked before anything is written: the listing
    /// (entries, links, names, limits), 7-Zip's test, free space. The archive is then extracted
    /// into a staging folder on the disk itself, checked again as written, copied into the
    /// backup, and both are moved into place; on any failure both staging folders and anything
    /// placed are removed. The same upload imported again under the same name is a success
    /// (<see cref="DriverImport.Repeated"/>); other content under a taken name is AlreadyExists.
    /// </summary>
    public async Task<DriverDiskResult<DriverImport>> ImportAsync(string uploadName, DriverFolder folder, string targetName, CancellationToken cancellationToken = default)
    {
        var problems = new List<DriverDiskErrorDetail>();
        if (TransferArea.NameProblem(uploadName ?? "") is { } uploadProblem)
        {
            problems.Add(new DriverDiskErrorDetail("upload_name", uploadProblem));
        }
        if (!DriverFolders.IsDefined(folder))
        {
            problems.Add(new DriverDiskErrorDetail("folder", "must be one of sys/wang (universal), sys/tq (extracted), pri (printer)"));
        }
        if (NtfsNames.TargetNameProblem(targetName) is { } targetProblem)
        {
            problems.Add(new DriverDiskErrorDetail("target_name", targetProblem));
        }
        if (problems.Count > 0)
        {
            return DriverDiskError.Of(DriverDiskErrorKind.InvalidArgument, $"{problems[0].Field} {problems[0].Reason}", [.. problems]);
        }
        var relative = DriverFolders.RelativePath(folder);
        return await ExclusiveAsync($"import of {relative}/{targetName}", () => ImportCoreAsync(uploadName!, folder, targetName, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes drivers from the disk and the backup folder. Names that are not there are reported
    /// in <see cref="DriverRemoval.Missing"/> (a repeated removal converges).
    /// </summary>
    public async Task<DriverDiskResult<DriverRemoval>> RemoveAsync(DriverFolder folder, IReadOnlyList<string> names, CancellationToken cancellationToken = default)
    {
        var problems = new List<DriverDiskErrorDetail>();
        if (!DriverFolders.IsDefined(folder))
        {
            problems.Add(new DriverDiskErrorDetail("folder", "must be one of sys/wang (universal), sys/tq (extracted), pri (printer)"));
        }
        if (names is null || names.Count == 0)
        {
            problems.Add(new DriverDiskErrorDetail("target_names", "at least one name is required"));
        }
        else
        {
            for (var i = 0; i < names.Count; i++)
            {
                if (NtfsNames.TargetNameProblem(names[i]) is { } problem)
                {
                    problems.Add(new DriverDiskErrorDetail($"target_names[{i}]", problem));
                }
            }
        }
        if (problems.Count > 0)
        {
            return DriverDiskError.Of(DriverDiskErrorKind.InvalidArgument, $"{problems[0].Field} {problems[0].Reason}", [.. problems]);
        }
        var relative = DriverFolders.RelativePath(folder);
        return await ExclusiveAsync<DriverRemoval>($"removal from {relative}", async () =>
        {
            if (EditableProblem() is { } notEditable)
            {
                return notEditable;
            }
            var state = _state!;
            var present = new List<string>();
            var missing = new List<string>();
            foreach (var name in names!.Distinct(StringComparer.Ordinal))
            {
                if (ExistingName(folder, name) is not { } actual)
                {
                    missing.Add(name);
                }
                else if (!present.Contains(actual, StringComparer.Ordinal))
                {
                    present.Add(actual);
                }
            }
            if (present.Count == 0)
            {
                return new DriverRemoval(0, missing);
            }
            state = state with { Pending = new PendingOperation(PendingKind.Remove, DriverDiskStep.RemoveDelete, _time.GetUtcNow(), folder, Names: present) };
            Persist(state);
            await StepAsync(DriverDiskStep.RemoveDelete, null, cancellationToken).ConfigureAwait(false);
            RemoveDrivers(folder, present, fromMount: true);
            var drivers = state.Drivers.Where(d => !present.Any(n => d.Key == DriverFolders.Key(folder, n))).ToDictionary(StringComparer.Ordinal);
            Persist(state with { Drivers = drivers, Pending = null });
            foreach (var name in present)
            {
                LogRemoved(_logger, relative, name);
            }
            return new DriverRemoval(present.Count, missing);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DriverDiskResult<DriverImport>> ImportCoreAsync(string uploadName, DriverFolder folder, string targetName, CancellationToken cancellationToken)
    {
        if (EditableProblem() is { } notEditable)
        {
            return notEditable;
        }
        var state = _state!;
        var relative = DriverFolders.RelativePath(folder);
        var upload = _transfer.PathOf(uploadName);
        if (!File.Exists(upload))
        {
            return DriverDiskError.Field(DriverDiskErrorKind.NotFound, "upload_name", $"'{uploadName}' has not been uploaded");
        }
        LogImportStarted(_logger, uploadName, relative, targetName);

        if (ExistingName(folder, targetName) is { } existing)
        {
            var uploadSha = await FileTools.Sha256Async(upload, cancellationToken).ConfigureAwait(false);
            if (existing == targetName && state.Drivers.TryGetValue(DriverFolders.Key(folder, targetName), out var record) && record.UploadSha256 == uploadSha)
            {
                LogImportRepeated(_logger, relative, targetName);
                return new DriverImport(folder, targetName, record.Files, record.Bytes, record.ArchiveType, Repeated: true);
            }
            var taken = DriverDiskError.Field(DriverDiskErrorKind.AlreadyExists, "target_name", $"'{existing}' exists in {relative}");
            LogImportRefused(_logger, relative, targetName, taken.ToString());
            return taken;
        }

        // 1. The listing: type by content, every entry, limits. Nothing is written before this passes.
        var limits = new ArchiveLimits(_options.MaxArchiveEntries, _options.MaxArchiveBytes, _options.MaxPathLength);
        var (listing, _) = await _sevenZip.ListAsync(upload, _options.MaxArchiveEntries, cancellationToken).ConfigureAwait(false);
        var (summary, refused) = ArchiveRules.Check(listing, folder, targetName, limits);
        if (refused is not null)
        {
            LogImportRefused(_logger, relative, targetName, refused.ToString());
            return refused;
        }
        // 2. 7-Zip's own test (checksums; `l` passes some broken archives).
        var tested = await _sevenZip.TestAsync(upload, summary!.Type, cancellationToken).ConfigureAwait(false);
        if (!tested.Succeeded)
        {
            var error = DriverDiskError.Field(DriverDiskErrorKind.InvalidArchive, "archive", $"fails 7-Zip's test ({tested.Reason})");
            LogImportRefused(_logger, relative, targetName, error.ToString());
            return error;
        }
        // 3. Space: the disk, the host under the overlay, the backup.
        if (SpaceProblem(summary.TotalBytes) is { } noSpace)
        {
            LogImportRefused(_logger, relative, targetName, noSpace.ToString());
            return noSpace;
        }
        var sha256 = await FileTools.Sha256Async(upload, cancellationToken).ConfigureAwait(false);

        var staging = $".staging-{Guid.NewGuid():N}";
        var mountStaging = Path.Combine(_mountPoint, staging);
        var backupStaging = Path.Combine(_backupDirectory, staging);
        var mountTarget = Path.Combine(_mountPoint, relative, targetName);
        var backupTarget = Path.Combine(_backupDirectory, relative, targetName);
        var before = state;
        state = state with { Pending = new PendingOperation(PendingKind.Import, DriverDiskStep.ImportExtract, _time.GetUtcNow(), folder, targetName, Staging: staging) };
        Persist(state);
        bool backedUp = false, placed = false;
        try
        {
            await StepAsync(DriverDiskStep.ImportExtract, null, cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(mountStaging);
            var extracted = await _sevenZip.ExtractAsync(upload, summary.Type, mountStaging, cancellationToken).ConfigureAwait(false);
            if (!extracted.Succeeded)
            {
                throw new ImportRefusedException(DriverDiskError.Field(DriverDiskErrorKind.InvalidArchive, "archive", $"cannot be extracted ({extracted.Reason})"));
            }

            await StepAsync(DriverDiskStep.ImportVerify, null, cancellationToken).ConfigureAwait(false);
            var others = new List<string>();
            var (files, _, bytes) = FileTools.Measure(mountStaging, others);
            if (others.Count > 0 || files != summary.Files || bytes != summary.TotalBytes)
            {
                var what = others.Count > 0 ? $"'{others[0]}' is not a plain file or folder" : $"{files} files of {bytes} bytes, the listing said {summary.Files} of {summary.TotalBytes}";
                throw new ImportRefusedException(DriverDiskError.Field(DriverDiskErrorKind.InvalidArchive, "archive", $"extracted to something else than it lists: {what}"));
            }

            await StepAsync(DriverDiskStep.ImportBackup, null, cancellationToken).ConfigureAwait(false);
            FileTools.CopyTree(mountStaging, backupStaging, durable: true, cancellationToken);
            Directory.CreateDirectory(Path.GetDirectoryName(backupTarget)!);
            Directory.Move(backupStaging, backupTarget);
            backedUp = true;
            LinuxNative.SyncDirectory(Path.GetDirectoryName(backupTarget)!);
            LogBackedUp(_logger, relative, targetName, backupTarget);

            await StepAsync(DriverDiskStep.ImportPlace, null, cancellationToken).ConfigureAwait(false);
            Directory.Move(mountStaging, mountTarget);
            placed = true;

            await StepAsync(DriverDiskStep.ImportRecord, null, cancellationToken).ConfigureAwait(false);
            var drivers = new Dictionary<string, DriverRecord>(state.Drivers, StringComparer.Ordinal)
            {
                [DriverFolders.Key(folder, targetName)] = new DriverRecord(sha256, files, bytes, summary.Type, _time.GetUtcNow()),
            };
            Persist(state with { Drivers = drivers, Pending = null });
            LogImported(_logger, uploadName, relative, targetName, summary.Type, files, bytes);
            return new DriverImport(folder, targetName, files, bytes, summary.Type, Repeated: false);
        }
        catch (Exception e) when (e is not DriverDiskAbortedException)
        {
            // Nothing of this import stays: not in the mount, not in the backup.
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
            if (e is ImportRefusedException refusedLate)
            {
                LogImportRefused(_logger, relative, targetName, refusedLate.Error.ToString());
                return refusedLate.Error;
            }
            LogImportFailed(_logger, relative, targetName, e.Message);
            throw;
        }
    }

    /// <summary>The name as it exists in the folder (disk, backup or records), compared as Windows does (ignoring case); null when free.</summary>
    private string? ExistingName(DriverFolder folder, string name)
    {
        var relative = DriverFolders.RelativePath(folder);
        foreach (var root in new[] { _mountPoint, _backupDirectory })
        {
            var directory = Path.Combine(root, relative);
            if (Directory.Exists(directory)
                && Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) is { } found)
            {
                return found;
            }
        }
        var prefix = relative + "/";
        return _state?.Drivers.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k[prefix.Length..])
            .FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Deletes drivers from the backup and (when mounted) the disk.</summary>
    private void RemoveDrivers(DriverFolder folder, IEnumerable<string> names, bool fromMount)
    {
        var relative = DriverFolders.RelativePath(folder);
        foreach (var name in names)
        {
            if (fromMount)
            {
                FileTools.DeleteTree(Path.Combine(_mountPoint, relative, name));
            }
            FileTools.DeleteTree(Path.Combine(_backupDirectory, relative, name));
        }
    }

    private DriverDiskError? SpaceProblem(long bytes)
    {
        var details = new List<DriverDiskErrorDetail>();
        var hostFree = FreeBytes(_root);
        var backupFree = FreeBytes(_backupDirectory);
        var diskFree = FreeBytes(_mountPoint);
        var sameDevice = string.Equals(MountOf(_root), MountOf(_backupDirectory), StringComparison.Ordinal);
        var hostNeeds = bytes + _options.ReserveBytes + (sameDevice ? bytes : 0);
        if (hostFree < hostNeeds)
        {
            details.Add(new DriverDiskErrorDetail("host", $"needs {hostNeeds} bytes free under {_root}, has {hostFree}"));
        }
        if (!sameDevice && backupFree < bytes + _options.ReserveBytes)
        {
            details.Add(new DriverDiskErrorDetail("backup", $"needs {bytes + _options.ReserveBytes} bytes free in {_backupDirectory}, has {backupFree}"));
        }
        if (diskFree < bytes)
        {
            details.Add(new DriverDiskErrorDetail("disk", $"needs {bytes} bytes free on the driver disk, has {diskFree}"));
        }
        return details.Count == 0
            ? null
            : DriverDiskError.Of(DriverDiskErrorKind.NoSpace, $"not enough free space: {details[0].Field} {details[0].Reason}", [.. details]);
    }

    /// <summary>The mount point holding <paramref name="path"/> (the longest mount point it is under).</summary>
    private static string MountOf(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) + "/";
        return ProcFs.ReadMounts()
            .Select(m => m.MountPoint)
            .Where(m => full.StartsWith(m == "/" ? "/" : m + "/", StringComparison.Ordinal))
            .MaxBy(m => m.Length) ?? "/";
    }

    /// <summary>An import refused after it began writing: undone, then reported as this error.</summary>
    private sealed class ImportRefusedException(DriverDiskError error) : Exception(error.Message)
    {
        public DriverDiskError Error { get; } = error;
    }
}

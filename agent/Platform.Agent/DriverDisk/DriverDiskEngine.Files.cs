using Platform.Agent.Linux;

namespace Platform.Agent.DriverDisk;

/// <summary>Publishing disk files for terminals, and sweeping what a command or crash left behind.</summary>
internal sealed partial class DriverDiskEngine
{
    /// <summary>Links (or, across file systems, copies) a disk file into the transfer area under <paramref name="name"/>, replacing what had that name.</summary>
    private void Publish(string file, string name)
    {
        var target = _transfer.PathOf(name);
        var temporary = Path.Combine(_transfer.Root, $".{PublishPrefix}{Guid.NewGuid():N}");
        var error = LinuxNative.HardLink(file, temporary);
        if (error is LinuxNative.Exdev or LinuxNative.Eperm)
        {
            FileTools.CopyDurably(file, temporary);
        }
        else if (error != 0)
        {
            throw new IOException($"cannot link {file} into {_transfer.Root}: {LinuxNative.ErrorText(error)}");
        }
        File.Move(temporary, target, overwrite: true);
        LinuxNative.SyncDirectory(_transfer.Root);
        LogPublished(_logger, file, name);
    }

    /// <summary>
    /// Removes what <paramref name="state"/> does not refer to: disk files (leftovers of an
    /// unfinished step, the previous base and overlay after a switch, dropped deltas), published
    /// names of this engine, base builds. Null state: everything (no disk).
    /// </summary>
    private void Sweep(DiskState? state)
    {
        var keep = new HashSet<string>(state?.DiskFiles ?? [], StringComparer.Ordinal);
        if (Directory.Exists(_diskDirectory))
        {
            foreach (var file in Directory.EnumerateFileSystemEntries(_diskDirectory))
            {
                if (!keep.Contains(Path.GetFileName(file)))
                {
                    DeleteEntry(file);
                    LogSwept(_logger, file);
                }
            }
        }
        var published = new HashSet<string>(state?.PublishedFiles ?? [], StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_transfer.Root))
        {
            var name = Path.GetFileName(file);
            if ((name.StartsWith(PublishPrefix, StringComparison.Ordinal) || name.StartsWith("." + PublishPrefix, StringComparison.Ordinal)) && !published.Contains(name))
            {
                File.Delete(file);
                LogSwept(_logger, file);
            }
        }
        if (Directory.Exists(_buildDirectory))
        {
            foreach (var build in Directory.EnumerateFileSystemEntries(_buildDirectory))
            {
                DeleteEntry(build);
                LogSwept(_logger, build);
            }
        }
    }

    private static void DeleteEntry(string path)
    {
        if (LinuxNative.TypeOf(path) == LinuxNative.UnixFileType.Directory)
        {
            FileTools.DeleteTree(path);
        }
        else
        {
            File.Delete(path);
        }
    }

    /// <summary>Deletes the staging folders imports leave at the root of the mount and of the backup.</summary>
    private void DeleteStaging(bool mount)
    {
        foreach (var root in mount ? [_backupDirectory, _mountPoint] : new[] { _backupDirectory })
        {
            if (!Directory.Exists(root))
            {
                continue;
            }
            foreach (var staging in Directory.EnumerateDirectories(root, ".staging-*"))
            {
                FileTools.DeleteTree(staging);
                LogSwept(_logger, staging);
            }
        }
    }
}

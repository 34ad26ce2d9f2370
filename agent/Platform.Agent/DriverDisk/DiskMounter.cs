using Platform.Agent.Linux;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Agent.DriverDisk;

/// <summary>An NTFS file system mounted on the host, and the processes serving it.</summary>
/// <param name="Source">The qcow2 image (through <paramref name="Daemon"/>) or the raw file mounted.</param>
/// <param name="ExportFile">The raw view of the qcow2 the FUSE export provides; null for a raw file.</param>
/// <param name="Daemon">qemu-storage-daemon exporting the qcow2; null for a raw file.</param>
/// <param name="Ntfs">The ntfs-3g daemon.</param>
internal sealed record MountedDisk(string Source, string? ExportFile, string MountPoint, ProcessEntry? Daemon, ProcessEntry Ntfs, bool ReadOnly);

/// <summary>
/// Mounts qcow2 images read-write without the libguestfs appliance: qemu-storage-daemon exports
/// the image as a raw file over FUSE and ntfs-3g mounts that file. Both run as daemons (they
/// outlive an agent that is killed, and a restarted agent finds them by /proc and mountinfo);
/// they are stopped by pid, in order: unmount the NTFS file system, wait for ntfs-3g to exit (it
/// flushes until then — umount returns before), unmount the export, SIGTERM the storage daemon
/// and wait for it (it flushes the qcow2 on exit). A SIGTERM alone would leave a daemonized
/// storage daemon's export mounted and dead.
/// </summary>
internal sealed partial class DiskMounter(DriverDiskOptions options, ILogger logger)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Programs the engine runs to completion; found running for a dead agent, they are killed.</summary>
    private static readonly HashSet<string> OrphanTools = new(StringComparer.Ordinal) { "qemu-img", "7zz", "mkntfs" };

    /// <summary>ntfs-3g options: Windows name rules enforced, large writes (≈15× faster), no atime writes.</summary>
    private const string NtfsOptions = "windows_names,big_writes,noatime";

    /// <summary>Mounts <paramref name="image"/> (qcow2) read-write at <paramref name="mountPoint"/>.</summary>
    public async Task<MountedDisk> MountImageAsync(string image, string exportFile, string mountPoint, string pidFile, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(mountPoint);
        if (!File.Exists(exportFile))
        {
            await File.WriteAllBytesAsync(exportFile, [], cancellationToken).ConfigureAwait(false);
        }
        File.Delete(pidFile);
        var started = await ToolRunner.RunAsync(
            options.QemuStorageDaemon,
            [
                "--blockdev", Json(new JsonObject { ["driver"] = "file", ["node-name"] = "file0", ["filename"] = image }),
                "--blockdev", Json(new JsonObject { ["driver"] = "qcow2", ["node-name"] = "disk0", ["file"] = "file0" }),
                "--export", Json(new JsonObject
                {
                    ["type"] = "fuse",
                    ["id"] = "export0",
                    ["node-name"] = "disk0",
                    ["mountpoint"] = exportFile,
                    ["writable"] = true,
                    ["writethrough"] = options.Writethrough,
                }),
                "--pidfile", pidFile,
                "--daemonize",
            ],
            StartTimeout,
            cancellationToken).ConfigureAwait(false);
        if (!started.Succeeded)
        {
            throw new ToolFailedException(started);
        }
        var daemon = ReadPidFile(pidFile) is { } pid ? ProcFs.Find(pid) : null;
        if (daemon is null)
        {
            throw new ToolFailedException($"qemu-storage-daemon for {image} is not running after start (pid file {pidFile})");
        }
        try
        {
            var ntfs = await MountNtfsAsync(exportFile, mountPoint, readOnly: false, cancellationToken).ConfigureAwait(false);
            var mounted = new MountedDisk(image, exportFile, mountPoint, daemon, ntfs, ReadOnly: false);
            LogMounted(logger, image, mountPoint, daemon.Pid, ntfs.Pid);
            return mounted;
        }
        catch
        {
            await StopDaemonAsync(exportFile, daemon, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Mounts a raw NTFS file (a base being built, or a read-only view) with ntfs-3g alone.</summary>
    public async Task<MountedDisk> MountRawAsync(string raw, string mountPoint, bool readOnly, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(mountPoint);
        var ntfs = await MountNtfsAsync(raw, mountPoint, readOnly, cancellationToken).ConfigureAwait(false);
        LogMountedRaw(logger, raw, mountPoint, readOnly ? "read-only" : "read-write", ntfs.Pid);
        return new MountedDisk(raw, null, mountPoint, null, ntfs, readOnly);
    }

    /// <summary>
    /// Unmounts and waits until every process of the mount has exited. False (and still mounted)
    /// when the file system is busy: a process has a file or directory open in it.
    /// </summary>
    public async Task<bool> UnmountAsync(MountedDisk disk, CancellationToken cancellationToken)
    {
        var error = LinuxNative.Unmount(disk.MountPoint);
        if (error == LinuxNative.Ebusy)
        {
            LogUnmountBusy(logger, disk.MountPoint);
            return false;
        }
        if (error is not (0 or LinuxNative.Einval))
        {
            throw new IOException($"umount {disk.MountPoint} failed: {LinuxNative.ErrorText(error)}");
        }
        if (!await ExitedAsync(disk.Ntfs, options.UnmountTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw new ToolFailedException($"ntfs-3g (pid {disk.Ntfs.Pid}) did not exit within {options.UnmountTimeout} after {disk.MountPoint} was unmounted");
        }
        if (disk.Daemon is not null)
        {
            await StopDaemonAsync(disk.ExportFile!, disk.Daemon, cancellationToken).ConfigureAwait(false);
        }
        LogUnmounted(logger, disk.Source, disk.MountPoint);
        return true;
    }

    /// <summary>Null while the mount and its processes are alive, else what is gone.</summary>
    public static string? Problem(MountedDisk disk)
    {
        if (!ProcFs.IsAlive(disk.Ntfs))
        {
            return $"ntfs-3g (pid {disk.Ntfs.Pid}) serving {disk.MountPoint} has exited";
        }
        if (disk.Daemon is not null && !ProcFs.IsAlive(disk.Daemon))
        {
            return $"qemu-storage-daemon (pid {disk.Daemon.Pid}) exporting {Path.GetFileName(disk.Source)} has exited";
        }
        if (!ProcFs.ReadMounts().Any(m => m.MountPoint == disk.MountPoint))
        {
            return $"{disk.MountPoint} is no longer mounted";
        }
        return null;
    }

    /// <summary>
    /// Tears down whatever an earlier agent left mounted or running under <paramref name="root"/>:
    /// its tools (killed), NTFS mounts (unmounted, then their ntfs-3g awaited), FUSE exports,
    /// storage daemons. Never
    /// two writers on one image: nothing is mounted again before this is done. Throws when a mount
    /// is busy (someone uses it) or a process will not stop.
    /// </summary>
    /// <returns>What was found and stopped, for the log.</returns>
    public async Task<IReadOnlyList<string>> CleanStaleAsync(string root, CancellationToken cancellationToken)
    {
        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + "/";
        var encodedPrefix = JsonSerializer.Serialize(prefix)[1..^1];
        bool Under(string path) => path.StartsWith(prefix, StringComparison.Ordinal);
        bool Mentions(IReadOnlyList<string> arguments) => arguments.Skip(1).Any(a => a.Contains(prefix, StringComparison.Ordinal) || a.Contains(encodedPrefix, StringComparison.Ordinal));
        var cleaned = new List<string>();

        // 0. Tools an earlier agent was running (an extraction into the mount, a convert reading
        //    the overlay): they only ever write temporary files, and would hold the mount busy or
        //    the image locked.
        foreach (var tool in ProcFs.FindProcesses(a => OrphanTools.Contains(Path.GetFileName(a[0])) && Mentions(a)))
        {
            _ = LinuxNative.Signal(tool.Pid, LinuxNative.SigKill);
            if (!await ExitedAsync(tool, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false))
            {
                throw new ToolFailedException($"{tool.Program} (pid {tool.Pid}) survived SIGKILL");
            }
            cleaned.Add($"{tool.Program} pid {tool.Pid} killed");
        }

        // 1. NTFS file systems (their source is a file, not /dev/fuse), deepest first.
        foreach (var mount in ProcFs.ReadMounts().Where(m => Under(m.MountPoint) && m.Source != "/dev/fuse").OrderByDescending(m => m.MountPoint.Length))
        {
            var error = LinuxNative.Unmount(mount.MountPoint);
            if (error == LinuxNative.Ebusy)
            {
                throw new IOException($"a stale mount at {mount.MountPoint} is in use; it cannot be cleaned up safely");
            }
            cleaned.Add($"unmounted stale {mount.MountPoint}");
        }
        // 2. ntfs-3g processes: they exit once unmounted (after flushing); a hung one is stopped.
        foreach (var ntfs in ProcFs.FindProcesses(a => Path.GetFileName(a[0]) == "ntfs-3g" && Mentions(a)))
        {
            if (!await ExitedAsync(ntfs, options.UnmountTimeout, cancellationToken).ConfigureAwait(false))
            {
                await StopAsync(ntfs, cancellationToken).ConfigureAwait(false);
            }
            cleaned.Add($"ntfs-3g pid {ntfs.Pid} ended");
        }
        // 3. FUSE exports, then the storage daemons behind them.
        foreach (var export in ProcFs.ReadMounts().Where(m => Under(m.MountPoint) && m.Source == "/dev/fuse"))
        {
            var error = LinuxNative.Unmount(export.MountPoint);
            if (error is not (0 or LinuxNative.Einval))
            {
                throw new IOException($"a stale export at {export.MountPoint} cannot be unmounted: {LinuxNative.ErrorText(error)}");
            }
            cleaned.Add($"unmounted stale export {export.MountPoint}");
        }
        foreach (var daemon in ProcFs.FindProcesses(a => Path.GetFileName(a[0]) == "qemu-storage-daemon" && Mentions(a)))
        {
            await StopAsync(daemon, cancellationToken).ConfigureAwait(false);
            cleaned.Add($"qemu-storage-daemon pid {daemon.Pid} stopped");
        }
        foreach (var cleanup in cleaned)
        {
            LogStaleCleaned(logger, root, cleanup);
        }
        return cleaned;
    }

    private async Task<ProcessEntry> MountNtfsAsync(string source, string mountPoint, bool readOnly, CancellationToken cancellationToken)
    {
        // Without no_detach ntfs-3g daemonizes once the file system is mounted: exit 0 means mounted.
        var result = await ToolRunner.RunAsync(
            options.Ntfs3g,
            ["-o", readOnly ? NtfsOptions + ",ro" : NtfsOptions, source, mountPoint],
            StartTimeout,
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new ToolFailedException(result);
        }
        var daemons = ProcFs.FindProcesses(a => Path.GetFileName(a[0]) == "ntfs-3g" && a.Contains(source) && a.Contains(mountPoint));
        if (daemons.Count != 1 || !ProcFs.ReadMounts().Any(m => m.MountPoint == mountPoint))
        {
            throw new ToolFailedException($"ntfs-3g mounted {source} at {mountPoint}, but {daemons.Count} ntfs-3g processes serve it");
        }
        return daemons[0];
    }

    private async Task StopDaemonAsync(string exportFile, ProcessEntry daemon, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + options.UnmountTimeout;
        while (true)
        {
            var error = LinuxNative.Unmount(exportFile);
            if (error is 0 or LinuxNative.Einval)
            {
                break;
            }
            if (error != LinuxNative.Ebusy || DateTime.UtcNow > deadline)
            {
                throw new IOException($"umount of the export {exportFile} failed: {LinuxNative.ErrorText(error)}");
            }
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
        await StopAsync(daemon, cancellationToken).ConfigureAwait(false);
        // A daemon that had to be killed leaves its export mounted and dead.
        if (ProcFs.ReadMounts().Any(m => m.MountPoint == exportFile))
        {
            _ = LinuxNative.Unmount(exportFile, LinuxNative.MntDetach);
        }
    }

    /// <summary>SIGTERM, wait; SIGKILL when it does not stop in time.</summary>
    private async Task StopAsync(ProcessEntry process, CancellationToken cancellationToken)
    {
        if (!ProcFs.IsAlive(process))
        {
            return;
        }
        _ = LinuxNative.Signal(process.Pid, LinuxNative.SigTerm);
        if (await ExitedAsync(process, options.UnmountTimeout, cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        LogKilled(logger, process.Program, process.Pid);
        _ = LinuxNative.Signal(process.Pid, LinuxNative.SigKill);
        if (!await ExitedAsync(process, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false))
        {
            throw new ToolFailedException($"{process.Program} (pid {process.Pid}) survived SIGKILL");
        }
    }

    private static async Task<bool> ExitedAsync(ProcessEntry process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (ProcFs.IsAlive(process))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    private static int? ReadPidFile(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Json(JsonObject value) => value.ToJsonString();

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "voi_drive_img_manage: mounted {Source} at {MountPoint} (qemu-storage-daemon pid {DaemonPid}, ntfs-3g pid {NtfsPid})")]
    private static partial void LogMounted(ILogger logger, string source, string mountPoint, int daemonPid, int ntfsPid);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Information, Message = "voi_drive_img_manage: mounted {Source} at {MountPoint} {Mode} (ntfs-3g pid {NtfsPid})")]
    private static partial void LogMountedRaw(ILogger logger, string source, string mountPoint, string mode, int ntfsPid);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "voi_drive_img_manage: unmounted {Source} from {MountPoint}; its processes have exited")]
    private static partial void LogUnmounted(ILogger logger, string source, string mountPoint);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "voi_drive_img_manage: {MountPoint} is busy (a file or directory in it is in use); not unmounted")]
    private static partial void LogUnmountBusy(ILogger logger, string mountPoint);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "voi_drive_img_manage: stale mount state under {Root}: {Action}")]
    private static partial void LogStaleCleaned(ILogger logger, string root, string action);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Error, Message = "voi_drive_img_manage: {Program} (pid {Pid}) did not stop on SIGTERM; sending SIGKILL")]
    private static partial void LogKilled(ILogger logger, string program, int pid);
}

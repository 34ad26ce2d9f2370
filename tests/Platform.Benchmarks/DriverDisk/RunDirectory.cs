using Platform.Benchmarks.Grpc;

namespace Platform.Benchmarks.DriverDisk;

/// <summary>
/// The run's directory and the removal of everything under it: after a normal run nothing is
/// mounted or running there; after a failure or an interrupt the mounts under it (the agent's
/// NTFS mount and FUSE export, guestmount's mount) are unmounted and the processes that mention
/// it (the run's own: the storage daemon, ntfs-3g, guestmount, an appliance) stopped by PID.
/// </summary>
internal static class RunDirectory
{
    public static string Create() => Directory.CreateTempSubdirectory("platform-bench-driverdisk-").FullName;

    /// <summary>Unmounts and stops what is left under <paramref name="root"/>, then deletes it; warnings instead of exceptions.</summary>
    public static void Remove(string root)
    {
        // An interrupt and the run's own clean-up may both get here: one at a time, the second finds nothing left.
        lock (Gate)
        {
            RemoveLocked(root);
        }
    }

    private static readonly Lock Gate = new();

    private static void RemoveLocked(string root)
    {
        try
        {
            var left = ClearAsync(root).GetAwaiter().GetResult();
            if (left.Count > 0)
            {
                Console.Error.WriteLine($"warning: {root} is kept: still mounted there: {string.Join(", ", left)}");
                return;
            }
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: removing {root}: {e.Message}");
        }
    }

    /// <returns>The mount points still there (then the directory must not be deleted).</returns>
    private static async Task<List<string>> ClearAsync(string root)
    {
        // File systems first (ntfs-3g serves a file: its source is not /dev/fuse), deepest first, then FUSE exports and guestmount.
        var mounts = ProcInfo.MountsUnder(root)
            .OrderBy(m => m.Source == "/dev/fuse" ? 1 : 0).ThenByDescending(m => m.MountPoint.Length).ToList();
        foreach (var mount in mounts)
        {
            // EINVAL: no longer mounted (its daemon unmounted it meanwhile).
            var error = ProcInfo.Unmount(mount.MountPoint);
            if (error != ProcInfo.Einval)
            {
                GrpcBenchmark.Progress(error == 0 ? $"clean-up: unmounted {mount.MountPoint}" : $"clean-up: umount {mount.MountPoint}: errno {error} (retried after its processes stop)");
            }
        }
        // ntfs-3g and guestmount exit by themselves once unmounted (after flushing); give them time first.
        var processes = ProcInfo.Mentioning(root);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (processes.Any(p => ProcInfo.IsRunning(p.Pid)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        foreach (var signal in new[] { ProcInfo.SigTerm, ProcInfo.SigKill })
        {
            var running = ProcInfo.Mentioning(root).Where(p => ProcInfo.IsRunning(p.Pid)).ToList();
            foreach (var (pid, arguments) in running)
            {
                GrpcBenchmark.Progress($"clean-up: {(signal == ProcInfo.SigTerm ? "SIGTERM" : "SIGKILL")} to {ProcInfo.ProgramName(arguments)} (pid {pid})");
                _ = ProcInfo.Signal(pid, signal);
            }
            foreach (var (pid, _) in running)
            {
                _ = await ProcInfo.WaitForExitAsync(pid, TimeSpan.FromSeconds(20));
            }
        }
        // Mounts that were busy are free once their processes are gone; a daemon that had to be killed leaves its mount dead: detach it.
        foreach (var mount in ProcInfo.MountsUnder(root).OrderBy(m => m.Source == "/dev/fuse" ? 1 : 0).ThenByDescending(m => m.MountPoint.Length))
        {
            if (ProcInfo.Unmount(mount.MountPoint) is not (0 or ProcInfo.Einval))
            {
                _ = ProcInfo.Unmount(mount.MountPoint, detach: true);
            }
        }
        return [.. ProcInfo.MountsUnder(root).Select(m => m.MountPoint)];
    }
}

using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Agent.DriverDisk;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>Independent looks at what the engine wrote: tree listings with hashes, and a read-only mount of a qcow2 base.</summary>
internal static class DiskViews
{
    /// <summary>Every entry below <paramref name="root"/> as "path/" (folder) or "path sha256" (file), sorted; links and others are named as such.</summary>
    public static IReadOnlyList<string> Tree(string root)
    {
        var lines = new List<string>();
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = Path.GetRelativePath(root, entry.FullName);
            if (entry.LinkTarget is not null)
            {
                lines.Add($"{relative} -> {entry.LinkTarget}");
            }
            else if (entry is DirectoryInfo)
            {
                lines.Add(relative + "/");
            }
            else
            {
                using var file = File.OpenRead(entry.FullName);
                lines.Add($"{relative} {Convert.ToHexStringLower(SHA256.HashData(file))}");
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>
    /// Mounts <paramref name="qcow2"/> read-only the way a check would: a raw copy (sparse) mounted
    /// by ntfs-3g with -o ro, and runs <paramref name="look"/> on the mount point.
    /// </summary>
    public static async Task<T> ReadOnlyAsync<T>(string qcow2, string scratch, Func<string, T> look)
    {
        var directory = Path.Combine(scratch, $"view-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var raw = Path.Combine(directory, "view.raw");
        var mountPoint = Path.Combine(directory, "mnt");
        (await ChildProcess.RunAsync("qemu-img", ["convert", "-q", "-O", "raw", qcow2, raw], TimeSpan.FromMinutes(5))).EnsureSuccess();
        var mounter = new DiskMounter(new DriverDiskOptions(), NullLogger.Instance);
        var mounted = await mounter.MountRawAsync(raw, mountPoint, readOnly: true, CancellationToken.None);
        try
        {
            return look(mountPoint);
        }
        finally
        {
            Assert.That(await mounter.UnmountAsync(mounted, CancellationToken.None), Is.True, "the read-only view unmounts");
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>True when `qemu-img compare` finds the two images' content identical.</summary>
    public static async Task<(bool Identical, string Output)> CompareAsync(string first, string second)
    {
        var result = await ChildProcess.RunAsync("qemu-img", ["compare", first, second], TimeSpan.FromMinutes(10));
        Assert.That(result.ExitCode, Is.AnyOf(0, 1), $"qemu-img compare ran: {result.StandardError}");
        return (result.ExitCode == 0, result.StandardOutput.Trim() + result.StandardError.Trim());
    }
}

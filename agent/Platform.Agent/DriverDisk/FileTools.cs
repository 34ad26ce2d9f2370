using Platform.Agent.Linux;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Platform.Agent.DriverDisk;

/// <summary>Files and trees: hashes, durable copies, walks that never follow links.</summary>
internal static class FileTools
{
    private const int BufferSize = 1 << 20;

    /// <summary>md5 and sha256 of a file in one pass, lower-case hex.</summary>
    [SuppressMessage("Security", "CA5351", Justification = "MD5 is the checksum the terminals' contract names (the seed's md5 columns); SHA-256 is given beside it.")]
    public static async Task<(long Size, string Md5, string Sha256)> HashAsync(string path, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        long size = 0;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, useAsync: true);
        int read;
        while ((read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            md5.AppendData(buffer, 0, read);
            sha256.AppendData(buffer, 0, read);
            size += read;
        }
        return (size, Convert.ToHexStringLower(md5.GetHashAndReset()), Convert.ToHexStringLower(sha256.GetHashAndReset()));
    }

    /// <summary>sha256 of a file, lower-case hex.</summary>
    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: BufferSize, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Flushes a file's data to disk.</summary>
    public static void Sync(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Flush(flushToDisk: true);
    }

    /// <summary>Copies a file and flushes the copy to disk (the kernel copies: copy_file_range).</summary>
    public static void CopyDurably(string source, string destination)
    {
        File.Copy(source, destination, overwrite: true);
        Sync(destination);
    }

    /// <summary>
    /// Copies a tree of plain files and folders into <paramref name="destination"/> (created),
    /// flushing each file when <paramref name="durable"/>. Links and special files are refused.
    /// </summary>
    public static void CopyTree(string source, string destination, bool durable, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(destination);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = Path.Combine(destination, entry.Name);
            switch (KindOf(entry))
            {
                case EntryKind.Directory:
                    CopyTree(entry.FullName, target, durable, cancellationToken);
                    break;
                case EntryKind.File:
                    File.Copy(entry.FullName, target, overwrite: false);
                    if (durable)
                    {
                        Sync(target);
                    }
                    break;
                default:
                    throw new IOException($"{entry.FullName} is not a plain file or folder");
            }
        }
        if (durable)
        {
            LinuxNative.SyncDirectory(destination);
        }
    }

    public enum EntryKind
    {
        File,
        Directory,
        Other,
    }

    /// <summary>A plain file, a folder (not a link to one), or anything else (links, devices, fifos, sockets).</summary>
    public static EntryKind KindOf(FileSystemInfo entry) => LinuxNative.TypeOf(entry.FullName) switch
    {
        LinuxNative.UnixFileType.Regular => EntryKind.File,
        LinuxNative.UnixFileType.Directory => EntryKind.Directory,
        _ => EntryKind.Other,
    };

    /// <summary>Files, folders and bytes below <paramref name="root"/>; <paramref name="other"/> lists entries that are neither.</summary>
    public static (long Files, long Folders, long Bytes) Measure(string root, List<string>? other = null)
    {
        long files = 0, folders = 0, bytes = 0;
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(root));
        while (pending.TryPop(out var directory))
        {
            foreach (var entry in directory.EnumerateFileSystemInfos())
            {
                switch (KindOf(entry))
                {
                    case EntryKind.Directory:
                        folders++;
                        pending.Push((DirectoryInfo)entry);
                        break;
                    case EntryKind.File:
                        files++;
                        bytes += ((FileInfo)entry).Length;
                        break;
                    default:
                        other?.Add(Path.GetRelativePath(root, entry.FullName));
                        break;
                }
            }
        }
        return (files, folders, bytes);
    }

    /// <summary>Deletes a folder tree if it exists (links inside are removed, not followed).</summary>
    public static void DeleteTree(string path)
    {
        var info = new DirectoryInfo(path);
        if (info.LinkTarget is not null)
        {
            info.Delete();
            return;
        }
        if (info.Exists)
        {
            info.Delete(recursive: true);
        }
    }
}

using System.Runtime.InteropServices;

namespace Platform.Agent.Linux;

/// <summary>The few system calls the agent needs and .NET does not offer (the driver disk, the operation journal).</summary>
internal static partial class LinuxNative
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public const int Eperm = 1;
    public const int Enoent = 2;
    public const int Esrch = 3;
    public const int Ebusy = 16;
    public const int Eexist = 17;
    public const int Exdev = 18;
    public const int Einval = 22;

    /// <summary>umount2 flag: detach now, finish when the last user lets go.</summary>
    public const int MntDetach = 2;

    /// <summary>umount2(2); returns 0 or the errno.</summary>
    public static int Unmount(string target, int flags = 0) =>
        Umount2(target, flags) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>kill(2); returns 0 or the errno (ESRCH: no such process).</summary>
    public static int Signal(int pid, int signal)
    {
        if (pid <= 0)
        {
            // 0 and negatives address process groups: never meant here.
            throw new ArgumentOutOfRangeException(nameof(pid), pid, "a process id is positive");
        }
        return Kill(pid, signal) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>link(2); returns 0 or the errno (EXDEV: another file system).</summary>
    public static int HardLink(string existing, string newPath) =>
        Link(existing, newPath) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Bytes an unprivileged writer may still use on the file system holding <paramref name="path"/>.</summary>
    public static long AvailableBytes(string path)
    {
        if (StatVfs(path, out var info) != 0)
        {
            throw new IOException($"statvfs {path} failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        return (long)Math.Min(info.BlocksAvailable * info.FragmentSize, long.MaxValue);
    }

    /// <summary>
    /// fsync of a directory, so that names created or renamed in it are durable too (a file's own
    /// fsync does not cover its directory entry).
    /// </summary>
    public static void SyncDirectory(string directory)
    {
        var descriptor = Open(directory, 0 /* O_RDONLY */);
        if (descriptor < 0)
        {
            throw new IOException($"cannot open {directory} to sync it: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        try
        {
            if (Fsync(descriptor) < 0)
            {
                throw new IOException($"fsync of {directory} failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    public static string ErrorText(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>The file type of <paramref name="path"/> itself (lstat: a link is a link), or null when it does not exist.</summary>
    public static UnixFileType? TypeOf(string path)
    {
        // struct stat differs per architecture; only st_mode is read. x86-64: dev, ino, nlink
        // (8 bytes each) then mode; arm64 (asm-generic): dev, ino (8 each) then mode.
        var modeOffset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,
            Architecture.Arm64 => 16,
            var other => throw new PlatformNotSupportedException($"lstat layout of {other} is not known"),
        };
        Span<byte> buffer = stackalloc byte[256];
        if (Lstat(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Enoent ? null : throw new IOException($"lstat {path} failed: {ErrorText(errno)}");
        }
        var mode = BitConverter.ToUInt32(buffer.Slice(modeOffset, 4));
        return (mode & 0xF000) switch
        {
            0x8000 => UnixFileType.Regular,
            0x4000 => UnixFileType.Directory,
            0xA000 => UnixFileType.SymbolicLink,
            _ => UnixFileType.Other,
        };
    }

    public enum UnixFileType
    {
        Regular,
        Directory,
        SymbolicLink,
        Other,
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct StatVfsBuffer
    {
        public ulong BlockSize;
        public ulong FragmentSize;
        public ulong Blocks;
        public ulong BlocksFree;
        public ulong BlocksAvailable;
        public ulong Files;
        public ulong FilesFree;
        public ulong FilesAvailable;
        public ulong FileSystemId;
        public ulong Flags;
        public ulong NameMax;
        // glibc's int __f_spare[6], with room to spare.
        public ulong Spare0;
        public ulong Spare1;
        public ulong Spare2;
        public ulong Spare3;
    }

    [LibraryImport("libc", EntryPoint = "umount2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string newPath);

    [LibraryImport("libc", EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatVfs(string path, out StatVfsBuffer buffer);

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Lstat(string path, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}

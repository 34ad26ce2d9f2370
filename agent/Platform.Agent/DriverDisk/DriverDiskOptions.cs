using System.ComponentModel.DataAnnotations;

namespace Platform.Agent.DriverDisk;

/// <summary>The "DriverDisk" section: where the driver disk lives and the limits it keeps.</summary>
internal sealed class DriverDiskOptions : IValidatableObject
{
    public const string Section = "DriverDisk";

    public const long GiB = 1L << 30;
    public const long MiB = 1L << 20;

    /// <summary>
    /// The disk's own directory: state.json, the images (disk/), the mount (run/), base builds
    /// (build/). Only the engine writes here.
    /// </summary>
    [Required]
    public string StateDirectory { get; set; } = "/var/lib/platform-agent/driver-disk";

    /// <summary>
    /// The backup folder (the seed's /opt/voi_drive/): every accepted driver as extracted,
    /// under sys/wang, sys/tq and pri; restore rebuilds the disk from it. Put it on another disk
    /// than <see cref="StateDirectory"/> to survive the loss of that one.
    /// </summary>
    [Required]
    public string BackupDirectory { get; set; } = "/var/lib/platform-agent/driver-backup";

    /// <summary>Virtual size of a new disk when initialize asks for none (the file is sparse: it costs what is written).</summary>
    [Range(64 * MiB, 64 * 1024 * GiB)]
    public long DefaultSizeBytes { get; set; } = 256 * GiB;

    /// <summary>NTFS volume label of new disks (mkntfs -L; at most 32 characters).</summary>
    [Required]
    [StringLength(32, MinimumLength = 1)]
    [RegularExpression("^[A-Za-z0-9_-]+$")]
    public string VolumeLabel { get; set; } = "DRIVERS";

    /// <summary>Most files and folders one archive may hold.</summary>
    [Range(1, 10_000_000)]
    public int MaxArchiveEntries { get; set; } = 100_000;

    /// <summary>Most bytes one archive may extract to.</summary>
    [Range(1, long.MaxValue)]
    public long MaxArchiveBytes { get; set; } = 64 * GiB;

    /// <summary>Longest path on the disk ("sys/wang/NAME/…"); Windows tools fail past MAX_PATH (260 with the drive and the NUL).</summary>
    [Range(32, 32_000)]
    public int MaxPathLength { get; set; } = 240;

    /// <summary>Host space that imports and saves must leave free beyond what they will write.</summary>
    [Range(0, long.MaxValue)]
    public long ReserveBytes { get; set; } = 1 * GiB;

    /// <summary>How many deltas (the newest) are kept for terminals; the seed keeps 3.</summary>
    [Range(1, 100)]
    public int DeltaCount { get; set; } = 3;

    /// <summary>Deltas older than this are dropped (the seed keeps them a month).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan DeltaMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Deltas are compressed qcow2 (≈6× smaller for driver files, slower to make).</summary>
    public bool CompressDeltas { get; set; } = true;

    /// <summary>
    /// The FUSE export flushes every write before it completes: slower (≈2× for large files), but
    /// what an import wrote survives the agent and its mount daemons being killed.
    /// </summary>
    public bool Writethrough { get; set; } = true;

    /// <summary>Longest a single tool run (an extraction, a convert, a commit) may take.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan ToolTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long an unmount waits for ntfs-3g and then qemu-storage-daemon to exit.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan UnmountTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the mount's processes are checked; a dead one puts the disk in error.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan SupervisionInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The programs (names found on PATH, or absolute paths).</summary>
    [Required]
    public string SevenZip { get; set; } = "7zz";

    [Required]
    public string QemuImg { get; set; } = "qemu-img";

    [Required]
    public string QemuStorageDaemon { get; set; } = "qemu-storage-daemon";

    [Required]
    public string Ntfs3g { get; set; } = "ntfs-3g";

    [Required]
    public string Mkntfs { get; set; } = "mkntfs";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Path.IsPathFullyQualified(StateDirectory))
        {
            yield return new ValidationResult($"{Section}:StateDirectory must be an absolute path", [nameof(StateDirectory)]);
        }
        if (!Path.IsPathFullyQualified(BackupDirectory))
        {
            yield return new ValidationResult($"{Section}:BackupDirectory must be an absolute path", [nameof(BackupDirectory)]);
        }
        if (Path.IsPathFullyQualified(StateDirectory) && Path.IsPathFullyQualified(BackupDirectory)
            && (Contains(StateDirectory, BackupDirectory) || Contains(BackupDirectory, StateDirectory)))
        {
            yield return new ValidationResult($"{Section}:StateDirectory and {Section}:BackupDirectory must not contain one another", [nameof(StateDirectory), nameof(BackupDirectory)]);
        }
    }

    private static bool Contains(string outer, string inner)
    {
        var a = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outer)) + "/";
        var b = Path.TrimEndingDirectorySeparator(Path.GetFullPath(inner)) + "/";
        return b.StartsWith(a, StringComparison.Ordinal);
    }
}

using Platform.Agent.Linux;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Agent.DriverDisk;

/// <summary>An image terminals download: the base of a version, or a delta between two.</summary>
/// <param name="File">The file in the disk directory.</param>
/// <param name="Published">The same file's name in the transfer area (a hard link, or a copy across file systems).</param>
internal sealed record ImageRecord(
    string File,
    string Published,
    long SizeBytes,
    string Md5,
    string Sha256,
    long FromVersion,
    long ToVersion,
    string ParentMd5,
    string MergedMd5,
    DateTimeOffset CreatedAt)
{
    public DriverDiskFile ToFile() => new(Published, SizeBytes, Md5, Sha256, FromVersion, ToVersion, ParentMd5, MergedMd5, CreatedAt);
}

/// <summary>An imported driver: where from, and what it wrote (for repeated imports and listings).</summary>
/// <param name="CopiedFrom">For a copy, the key ("pri/NAME") of the driver it was copied from: the same copy asked again is done already.</param>
internal sealed record DriverRecord(string UploadSha256, long Files, long Bytes, string ArchiveType, DateTimeOffset ImportedAt, string? CopiedFrom = null);

internal enum PendingKind
{
    Import,
    Remove,
    Save,
    Restore,
    Copy,
    WriteFile,
}

/// <summary>The command that was running when the state was written, and its step: what recovery finishes or undoes.</summary>
/// <param name="Names">The drivers a removal deletes; for a file write, the one file name.</param>
/// <param name="Staging">The staging folder of an import or copy; for a file write, the id in its temporary names.</param>
/// <param name="Replaces">A file write replaces an existing file (kept as a link until the write is recorded).</param>
internal sealed record PendingOperation(
    PendingKind Kind,
    DriverDiskStep Step,
    DateTimeOffset StartedAt,
    DriverFolder? Folder = null,
    string? Name = null,
    IReadOnlyList<string>? Names = null,
    string? Staging = null,
    bool Replaces = false);

/// <summary>
/// Everything the engine needs to know about the disk after a restart, written atomically (temp
/// file, fsync, rename, fsync of the directory) before every step that changes the disk. Files
/// not named here are leftovers of an unfinished step and are removed.
/// </summary>
/// <param name="Version">The version of <paramref name="Base"/>: what terminals can reach.</param>
/// <param name="Active">The overlay being edited, backed by the base; saving it makes version + 1.</param>
/// <param name="Deltas">Deltas kept for terminals, oldest first, ending at <paramref name="Version"/>.</param>
/// <param name="Error">Why the disk is in error (restore clears it).</param>
/// <param name="Pending">The command under way, if any.</param>
internal sealed record DiskState(
    int Format,
    long Version,
    long SizeBytes,
    ImageRecord Base,
    string Active,
    IReadOnlyList<ImageRecord> Deltas,
    IReadOnlyDictionary<string, DriverRecord> Drivers,
    string? Error,
    PendingOperation? Pending)
{
    public const int CurrentFormat = 1;

    /// <summary>The status this state stands for (the mount's health aside).</summary>
    public DriverDiskStatus Status => Pending?.Kind switch
    {
        PendingKind.Save => DriverDiskStatus.Merging,
        PendingKind.Restore => DriverDiskStatus.Restoring,
        _ => Error is null ? DriverDiskStatus.Normal : DriverDiskStatus.Error,
    };

    /// <summary>The files of the disk directory this state refers to.</summary>
    public IEnumerable<string> DiskFiles => Deltas.Select(d => d.File).Append(Base.File).Append(Active);

    /// <summary>The transfer-area names this state publishes.</summary>
    public IEnumerable<string> PublishedFiles => Deltas.Select(d => d.Published).Append(Base.Published);
}

[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DiskState))]
internal sealed partial class DiskStateJson : JsonSerializerContext;

/// <summary>Reads and writes state.json.</summary>
internal static class DiskStateFile
{
    /// <summary>The state, or null when there is none (the disk was never initialized, or initialize did not finish).</summary>
    /// <exception cref="InvalidDataException">The file exists but cannot be read as a state.</exception>
    public static DiskState? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            var state = JsonSerializer.Deserialize(File.ReadAllBytes(path), DiskStateJson.Default.DiskState);
            if (state is null || state.Format != DiskState.CurrentFormat || state.Base is null || state.Active is null || state.Deltas is null || state.Drivers is null)
            {
                throw new InvalidDataException($"{path} is not a driver disk state of format {DiskState.CurrentFormat}");
            }
            return state;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not readable JSON: {e.Message}", e);
        }
    }

    /// <summary>Replaces the state at <paramref name="path"/> so that a crash leaves either the old or the new one.</summary>
    public static void Save(string path, DiskState state)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(JsonSerializer.SerializeToUtf8Bytes(state, DiskStateJson.Default.DiskState));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        LinuxNative.SyncDirectory(Path.GetDirectoryName(path)!);
    }
}

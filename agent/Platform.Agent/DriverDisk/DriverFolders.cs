namespace Platform.Agent.DriverDisk;

/// <summary>Where each folder is on the disk and in the backup, and which archive types (as 7-Zip names them) it takes.</summary>
internal static class DriverFolders
{
    public static readonly IReadOnlyList<DriverFolder> All = [DriverFolder.SystemUniversal, DriverFolder.SystemExtracted, DriverFolder.Printer];

    /// <summary>The folders a new disk holds, besides DOS/COMMAND.COM (which makes inspection tools see an "operating system").</summary>
    public static readonly IReadOnlyList<string> Skeleton = ["DOS", "sys", "sys/wang", "sys/tq", "pri"];

    public const string CommandComPath = "DOS/COMMAND.COM";

    public static bool IsDefined(DriverFolder folder) => folder is DriverFolder.SystemUniversal or DriverFolder.SystemExtracted or DriverFolder.Printer;

    /// <summary>The folder's path relative to the disk's (and the backup's) root, '/'-separated.</summary>
    public static string RelativePath(DriverFolder folder) => folder switch
    {
        DriverFolder.SystemUniversal => "sys/wang",
        DriverFolder.SystemExtracted => "sys/tq",
        DriverFolder.Printer => "pri",
        _ => throw new ArgumentOutOfRangeException(nameof(folder), folder, "not a driver folder"),
    };

    /// <summary>
    /// The archive types (7-Zip's "Type = ..." of the content, never the file name) a folder takes:
    /// universal drivers are ISO images (ISO 9660 or UDF), extracted drivers (.tq) are zips (or 7z),
    /// printer drivers are zips.
    /// </summary>
    public static IReadOnlyList<string> AcceptedTypes(DriverFolder folder) => folder switch
    {
        DriverFolder.SystemUniversal => ["Iso", "Udf"],
        DriverFolder.SystemExtracted => ["zip", "7z"],
        DriverFolder.Printer => ["zip"],
        _ => throw new ArgumentOutOfRangeException(nameof(folder), folder, "not a driver folder"),
    };

    /// <summary>Whether <paramref name="archiveType"/> (7-Zip's name) is what <paramref name="folder"/> takes.</summary>
    public static bool Accepts(DriverFolder folder, string? archiveType) =>
        archiveType is not null && AcceptedTypes(folder).Contains(archiveType, StringComparer.OrdinalIgnoreCase);

    /// <summary>The key of a driver in the persisted records: "pri/NAME".</summary>
    public static string Key(DriverFolder folder, string name) => $"{RelativePath(folder)}/{name}";
}

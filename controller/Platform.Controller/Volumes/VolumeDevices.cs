namespace Platform.Controller.Volumes;

/// <summary>The virtio disk names a data volume may take inside an instance.</summary>
internal static class VolumeDevices
{
    /// <summary>vdb..vdz in order: vda is the boot disk, and 25 data disks is the platform's limit.</summary>
    public static readonly IReadOnlyList<string> DataDisks =
        Enumerable.Range('b', 'z' - 'b' + 1).Select(c => $"vd{(char)c}").ToArray();

    /// <summary>The lowest data-disk name not in <paramref name="used"/>; null when all 25 are taken.</summary>
    public static string? NextFree(IEnumerable<string> used)
    {
        var taken = used.ToHashSet(StringComparer.Ordinal);
        return DataDisks.FirstOrDefault(device => !taken.Contains(device));
    }
}

using Platform.Contracts.Limits;

namespace Platform.Controller.Api;

/// <summary>
/// The sizes the REST facade accepts. The upper bounds are the agent's own
/// (<see cref="RbdLimits"/>), so a size that passes here is never refused by the agent.
/// </summary>
internal static class SizeLimits
{
    /// <summary>image_size of images/create, in bytes: at least 1 MiB (smaller is never a disk).</summary>
    public const long MinImageBytes = 1L << 20;

    public const long MaxImageBytes = (long)RbdLimits.MaxImageBytes;

    /// <summary>volume_size and boot_volume_size, in GiB.</summary>
    public const int MinVolumeGiB = 1;

    public const int MaxVolumeGiB = RbdLimits.MaxImageGiB;

    /// <summary>The smallest volume, in whole GiB, that holds a clone of an image of <paramref name="imageBytes"/>.</summary>
    public static long VolumeGiBFor(long imageBytes) => Math.Max(MinVolumeGiB, (imageBytes + (1L << 30) - 1) >> 30);
}

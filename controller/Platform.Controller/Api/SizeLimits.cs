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

    /// <summary>
    /// The request line (method, target, version) the controller reads: longer is 414 in the
    /// envelope. Kestrel's own limit is <see cref="KestrelMaxRequestLineBytes"/>.
    /// </summary>
    public const int MaxRequestLineBytes = 8 * 1024;

    /// <summary>All request header lines together (names, values): more is 431 in the envelope.</summary>
    public const int MaxRequestHeaderBytes = 32 * 1024;

    /// <summary>Request header lines: more is 431 in the envelope.</summary>
    public const int MaxRequestHeaderCount = 100;

    // Kestrel answers its own limits itself, before any middleware, with an empty body: its limits
    // sit a margin above the controller's, so that a request between the two is answered by the
    // controller in the envelope, and only one far beyond them gets Kestrel's bare status.
    public const int KestrelMaxRequestLineBytes = 8 * MaxRequestLineBytes;

    public const int KestrelMaxRequestHeaderBytes = 8 * MaxRequestHeaderBytes;

    public const int KestrelMaxRequestHeaderCount = 4 * MaxRequestHeaderCount;

    /// <summary>The smallest volume, in whole GiB, that holds a clone of an image of <paramref name="imageBytes"/>.</summary>
    public static long VolumeGiBFor(long imageBytes) => Math.Max(MinVolumeGiB, (imageBytes + (1L << 30) - 1) >> 30);
}

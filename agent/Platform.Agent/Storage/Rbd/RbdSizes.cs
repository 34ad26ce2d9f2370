using Platform.Contracts.Limits;

namespace Platform.Agent.Storage.Rbd;

/// <summary>
/// The image sizes the facade accepts: <see cref="RbdLimits.MaxImageBytes"/>, shared with the
/// controller. librbd takes sizes it cannot manage: 2^62 bytes without an object map creates an
/// image whose removal has to visit 2^40 objects (hours), and 2^64−1 with an object map is
/// accepted as well. Even with an object map, removing an empty image grows faster than its
/// size (measured: 1 TiB 0.13 s, 8 TiB 0.5 s, 16 TiB 2 s, 32 TiB 7.8 s, 64 TiB 22 s).
/// </summary>
internal static class RbdSizes
{
    public const ulong MaxImageSize = RbdLimits.MaxImageBytes;

    public static ulong Validate(ulong size, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(size))] string? parameter = null)
    {
        if (size == 0 || size > MaxImageSize)
        {
            throw new ArgumentOutOfRangeException(parameter, size, $"an RBD image size must be between 1 byte and {MaxImageSize} bytes ({Format(MaxImageSize)})");
        }
        return size;
    }

    /// <summary>Sizes as the rbd CLI prints them ("1 GiB", "64 MiB", "1.5 GiB").</summary>
    public static string Format(ulong bytes) => RbdLimits.FormatBytes(bytes);
}

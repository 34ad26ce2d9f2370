using System.Text.RegularExpressions;

namespace Platform.Contracts.Limits;

/// <summary>
/// What an RBD image may be called and how large it may be, once for both sides of the
/// contract: the agent refuses anything else (INVALID_ARGUMENT), and the controller checks the
/// same rule before it records anything, so a request the REST facade accepts is never refused
/// by the agent for its name or size.
/// </summary>
public static partial class RbdLimits
{
    /// <summary>
    /// 16 TiB, the largest image the agent creates, clones to or resizes to: 4 Mi objects of
    /// 4 MiB, far below the object map's limit of 256 M objects. Removal time grows faster than
    /// the size even with an object map (measured: 16 TiB 2 s, 64 TiB 22 s).
    /// </summary>
    public const ulong MaxImageBytes = 16UL << 40;

    /// <summary><see cref="MaxImageBytes"/> in whole GiB (16384): the largest volume_size.</summary>
    public const int MaxImageGiB = (int)(MaxImageBytes >> 30);

    /// <summary>RBD_MAX_IMAGE_NAME_SIZE (96) less the terminating NUL.</summary>
    public const int MaxNameLength = 95;

    /// <summary>The name rule in words, for error messages.</summary>
    public const string NameRule = "1-95 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit";

    /// <summary>
    /// The names the platform uses for pools, images and snapshots. librbd itself takes almost
    /// any byte string ("a/b", "x@y", "a b;rm" all create images) that the rbd CLI, qemu's
    /// <c>rbd:pool/image@snap:opt=…</c> syntax, libvirt and shells then misread, so only a plain,
    /// portable subset is allowed.
    /// </summary>
    public static bool IsValidName(string? name) => name is not null && ValidName().IsMatch(name);

    /// <summary>Why <paramref name="name"/> is not allowed, or null when it is.</summary>
    public static string? NameProblem(string? name) =>
        IsValidName(name) ? null
        : string.IsNullOrEmpty(name) ? "is empty"
        : name.Length > MaxNameLength ? $"is longer than {MaxNameLength} characters"
        : $"is not {NameRule}";

    /// <summary>Sizes as the rbd CLI prints them ("1 GiB", "64 MiB", "1.5 GiB").</summary>
    public static string FormatBytes(ulong bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString(value % 1 == 0 ? "0" : "0.##", System.Globalization.CultureInfo.InvariantCulture) + " " + units[unit];
    }

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,94}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();
}

using System.Text.RegularExpressions;

namespace Platform.Agent.Storage.Rbd;

/// <summary>
/// The names the facade accepts for pools, images and snapshots. librbd itself takes almost any
/// byte string ("a/b", "x@y", "a b;rm" all create images) that the rbd CLI, qemu's
/// <c>rbd:pool/image@snap:opt=…</c> syntax and libvirt then misread, so the facade allows only a
/// plain, portable subset.
/// </summary>
internal static partial class RbdNames
{
    /// <summary>RBD_MAX_IMAGE_NAME_SIZE (96) less the terminating NUL.</summary>
    public const int MaxLength = 95;

    public static bool IsValid(string? name) => name is not null && Valid().IsMatch(name);

    /// <summary>Throws <see cref="ArgumentException"/> naming the <paramref name="kind"/> ("image", "snapshot", "pool") when <paramref name="name"/> is not allowed.</summary>
    public static string Validate(string? name, string kind, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(name))] string? parameter = null)
    {
        if (!IsValid(name))
        {
            var shown = name is null ? "null" : "'" + (name.Length > 120 ? name[..120] + "…" : name) + "'";
            throw new ArgumentException(
                $"{shown} is not a valid RBD {kind} name: use 1-{MaxLength} ASCII letters, digits, '.', '_' or '-', starting with a letter or digit",
                parameter);
        }
        return name!;
    }

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,94}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Valid();
}

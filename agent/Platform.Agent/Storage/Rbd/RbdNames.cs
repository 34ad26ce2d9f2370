using Platform.Contracts.Limits;

namespace Platform.Agent.Storage.Rbd;

/// <summary>
/// The names the facade accepts for pools, images and snapshots: <see cref="RbdLimits.IsValidName"/>,
/// the rule the controller checks too (see there for why it is narrower than librbd's).
/// </summary>
internal static class RbdNames
{
    public const int MaxLength = RbdLimits.MaxNameLength;

    public static bool IsValid(string? name) => RbdLimits.IsValidName(name);

    /// <summary>Throws <see cref="ArgumentException"/> naming the <paramref name="kind"/> ("image", "snapshot", "pool") when <paramref name="name"/> is not allowed.</summary>
    public static string Validate(string? name, string kind, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(name))] string? parameter = null)
    {
        if (!IsValid(name))
        {
            var shown = name is null ? "null" : "'" + (name.Length > 120 ? name[..120] + "…" : name) + "'";
            throw new ArgumentException($"{shown} is not a valid RBD {kind} name: use {RbdLimits.NameRule}", parameter);
        }
        return name!;
    }
}

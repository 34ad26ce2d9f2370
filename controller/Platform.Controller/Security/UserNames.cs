using System.Text.RegularExpressions;

namespace Platform.Controller.Security;

/// <summary>What a user name may be: short, lowercase, safe to show and to type in a shell.</summary>
internal static partial class UserNames
{
    public const string Pattern = "^[a-z][a-z0-9._-]{0,63}$";

    public const string Rule = "must be 1-64 of a-z 0-9 . _ -, starting with a letter";

    public static bool IsValid(string name) => Valid().IsMatch(name);

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Valid();
}

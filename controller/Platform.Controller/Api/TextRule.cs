using System.Globalization;
using System.Text;

namespace Platform.Controller.Api;

/// <summary>What a text field may contain.</summary>
internal sealed record TextRule(int MaxLength, bool NameCharactersOnly, bool AllowEmpty)
{
    /// <summary>
    /// Resource names: letters of any script, digits, space and <c>- _ . : ( ) @ +</c>.
    /// Names are only ever data, but consoles render them and operators paste them into
    /// shells, so markup and shell metacharacters are refused rather than stored.
    /// </summary>
    public static readonly TextRule Name = new(64, NameCharactersOnly: true, AllowEmpty: false);

    /// <summary>Descriptions: any printable text, newlines and tabs included.</summary>
    public static readonly TextRule Description = new(1024, NameCharactersOnly: false, AllowEmpty: true);

    /// <summary>Passwords: any printable text; their minimum length is the use case's to check.</summary>
    public static readonly TextRule Secret = new(256, NameCharactersOnly: false, AllowEmpty: false);

    private const string NamePunctuation = " -_.:()@+";

    public string? Check(string text)
    {
        if (text.Length == 0)
        {
            return AllowEmpty ? null : "must not be empty";
        }
        if (text.Length > MaxLength)
        {
            return $"must be at most {MaxLength} characters";
        }
        if (NameCharactersOnly && text.Trim().Length != text.Length)
        {
            return "must not start or end with a space";
        }
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (NameCharactersOnly)
            {
                if (!Rune.IsLetterOrDigit(rune) && !(rune.IsAscii && NamePunctuation.Contains((char)rune.Value, StringComparison.Ordinal)))
                {
                    return $"may contain only letters, digits, space and {NamePunctuation.Trim()} (found '{rune}')";
                }
            }
            else if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                && rune.Value is not ('\n' or '\r' or '\t'))
            {
                return $"must not contain control characters (found U+{rune.Value:X4})";
            }
        }
        return null;
    }
}

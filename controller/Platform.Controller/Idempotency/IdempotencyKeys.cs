using Microsoft.Extensions.Primitives;
using Platform.Controller.Api;

namespace Platform.Controller.Idempotency;

/// <summary>The Idempotency-Key request header: its names and the rule a key follows.</summary>
internal static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    /// <summary>Set (to <c>true</c>) on an answer that repeats what the first request with the key was answered.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public const int MaxLength = 255;

    public const string Rule = "must be 1 to 255 printable ASCII characters (space to ~), given once";

    /// <summary>
    /// The key the request carries: null (and no problem) without the header; otherwise the key,
    /// or what is wrong with the header. The IETF draft spells the key as a structured-field
    /// string (<c>"…"</c>), most clients send it bare: both are the same key.
    /// </summary>
    public static (string? Key, FieldError? Problem) Read(StringValues values)
    {
        if (values.Count == 0)
        {
            return (null, null);
        }
        if (values.Count > 1)
        {
            return (null, new FieldError(Header, $"is given {values.Count} times; {Rule}"));
        }
        var key = values[0] ?? "";
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"')
        {
            key = key[1..^1];
        }
        if (key.Length is 0 or > MaxLength)
        {
            return (null, new FieldError(Header, $"is {key.Length} characters long; {Rule}"));
        }
        foreach (var c in key)
        {
            if (c is < ' ' or > '~')
            {
                return (null, new FieldError(Header, $"holds the character U+{(int)c:X4}; {Rule}"));
            }
        }
        return (key, null);
    }
}

/// <summary>
/// On an endpoint whose answer carries a secret (a terminal's token): the answer is not kept for
/// repeats (the inventory keeps no secret in the clear); a repeat is told the request was carried out.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class AnswerHoldsSecretAttribute : Attribute;

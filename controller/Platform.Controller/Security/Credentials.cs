using System.Security.Cryptography;
using System.Text;

namespace Platform.Controller.Security;

/// <summary>
/// The secrets the controller hands out and how it recognises them again. An API token reads
/// <c>plt_ID_SECRET</c> and a session cookie <c>ID.SECRET</c>: the id finds the row, the secret
/// (256 random bits) is compared by its SHA-256, the only form stored.
/// </summary>
internal static class Credentials
{
    public const string TokenPrefix = "plt_";
    public const string TokenIdPrefix = "tok";
    public const string SessionIdPrefix = "ses";
    public const string UserIdPrefix = "usr";

    public static string NewId(string prefix) => $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";

    public static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static byte[] HashOf(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool Matches(string secret, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(HashOf(secret), storedHash);

    public static string Token(string tokenId, string secret) => $"{TokenPrefix}{tokenId["tok-".Length..]}_{secret}";

    /// <summary>Splits an API token; false for anything else (a terminal's token, say).</summary>
    public static bool TryParseToken(string presented, out string tokenId, out string secret)
    {
        tokenId = secret = "";
        if (!presented.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = presented[TokenPrefix.Length..];
        var separator = rest.IndexOf('_');
        if (separator != 16 || rest.Length <= separator + 1 || !IsLowerHex(rest.AsSpan(0, separator)))
        {
            return false;
        }
        tokenId = $"{TokenIdPrefix}-{rest[..separator]}";
        secret = rest[(separator + 1)..];
        return true;
    }

    public static string SessionCookie(string sessionId, string secret) => $"{sessionId}.{secret}";

    public static bool TryParseSessionCookie(string value, out string sessionId, out string secret)
    {
        sessionId = secret = "";
        var separator = value.IndexOf('.');
        if (separator != SessionIdPrefix.Length + 17 || !value.StartsWith(SessionIdPrefix + "-", StringComparison.Ordinal)
            || !IsLowerHex(value.AsSpan(SessionIdPrefix.Length + 1, 16)) || value.Length <= separator + 1)
        {
            return false;
        }
        sessionId = value[..separator];
        secret = value[(separator + 1)..];
        return true;
    }

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private static bool IsLowerHex(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(LowerHex);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

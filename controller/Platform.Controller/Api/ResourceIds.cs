using System.Security.Cryptography;

namespace Platform.Controller.Api;

/// <summary>Resource ids: a kind prefix and 8 random lowercase hex digits (<c>ami-0a1b2c3d</c>).</summary>
internal static class ResourceIds
{
    public const string Image = "ami";
    public const string Volume = "vol";
    public const string Nic = "nic";
    public const string Instance = "i";

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    public static string New(string prefix) => $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    public static bool IsValid(string prefix, string id) =>
        id.Length == prefix.Length + 9
        && id.StartsWith(prefix, StringComparison.Ordinal)
        && id[prefix.Length] == '-'
        && !id.AsSpan(prefix.Length + 1).ContainsAnyExcept(LowerHex);
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Platform.Controller.Security;

/// <summary>
/// Passwords as Argon2id PHC strings (<c>$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH</c>), with the
/// parameters OWASP names as the minimum for Argon2id: 19 MiB, two passes, one lane. The
/// parameters travel in the string, so stronger ones later still verify older hashes.
/// </summary>
internal static class PasswordHashing
{
    private const int MemoryKib = 19456;
    private const int Passes = 2;
    private const int Lanes = 1;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const string Prefix = "$argon2id$v=19$";

    /// <summary>Verified against when the user does not exist, so that answer takes as long as a wrong password.</summary>
    private static readonly Lazy<string> Decoy = new(() => Hash(Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, MemoryKib, Passes, Lanes, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}m={MemoryKib},t={Passes},p={Lanes}${Unpadded(salt)}${Unpadded(hash)}");
    }

    /// <summary>Whether <paramref name="password"/> is the one <paramref name="phc"/> was made from; false for a string this code did not write.</summary>
    public static bool Verify(string password, string phc)
    {
        if (!TryParse(phc, out var memory, out var passes, out var lanes, out var salt, out var expected))
        {
            return false;
        }
        var actual = Derive(password, salt, memory, passes, lanes, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Spends the time of a verification; for a name that has no user.</summary>
    public static void VerifyDecoy(string password) => _ = Verify(password, Decoy.Value);

    private static byte[] Derive(string password, byte[] salt, int memoryKib, int passes, int lanes, int length)
    {
        using var argon2 = new Argon2id(Encoding.UTF8.GetBytes(password))
        {
            Salt = salt,
            MemorySize = memoryKib,
            Iterations = passes,
            DegreeOfParallelism = lanes,
        };
        return argon2.GetBytes(length);
    }

    private static bool TryParse(string phc, out int memory, out int passes, out int lanes, out byte[] salt, out byte[] hash)
    {
        memory = passes = lanes = 0;
        salt = hash = [];
        if (!phc.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var parts = phc[Prefix.Length..].Split('$');
        if (parts.Length != 3)
        {
            return false;
        }
        foreach (var parameter in parts[0].Split(','))
        {
            var (name, value) = (parameter.Split('=')[0], parameter.Split('=').ElementAtOrDefault(1));
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0)
            {
                return false;
            }
            switch (name)
            {
                case "m": memory = number; break;
                case "t": passes = number; break;
                case "p": lanes = number; break;
                default: return false;
            }
        }
        return memory > 0 && passes > 0 && lanes > 0 && TryDecode(parts[1], out salt) && TryDecode(parts[2], out hash) && hash.Length >= 16;
    }

    private static string Unpadded(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static bool TryDecode(string unpadded, out byte[] bytes)
    {
        var padded = unpadded + new string('=', (4 - unpadded.Length % 4) % 4);
        bytes = new byte[padded.Length];
        if (Convert.TryFromBase64String(padded, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }
        bytes = [];
        return false;
    }
}

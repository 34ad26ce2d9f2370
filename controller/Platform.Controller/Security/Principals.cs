using System.Security.Claims;

namespace Platform.Controller.Security;

/// <summary>How a request signed in.</summary>
internal enum SignInKind
{
    Session,
    Token,
    Terminal,
}

/// <summary>The claims of an authenticated request, made and read only here.</summary>
internal static class Principals
{
    private const string KindClaim = "platform:via";
    private const string CredentialClaim = "platform:credential";
    private const string UserIdClaim = "platform:user_id";
    private const string CsrfClaim = "platform:csrf";

    public static ClaimsPrincipal User(string userId, string name, string role, SignInKind kind, string credentialId, string? csrfToken = null)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, name),
            new(ClaimTypes.Role, role),
            new(UserIdClaim, userId),
            new(KindClaim, kind.ToString()),
            new(CredentialClaim, credentialId),
        };
        if (csrfToken is not null)
        {
            claims.Add(new Claim(CsrfClaim, csrfToken));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, SecurityExtensions.Scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    public static ClaimsPrincipal Terminal(long terminalId, string name) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, name),
                new Claim(ClaimTypes.Role, UserRoles.Terminal),
                new Claim(KindClaim, nameof(SignInKind.Terminal)),
                new Claim(CredentialClaim, terminalId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ],
            SecurityExtensions.Scheme, ClaimTypes.Name, ClaimTypes.Role));

    public static SignInKind? KindOf(ClaimsPrincipal principal) =>
        Enum.TryParse<SignInKind>(principal.FindFirstValue(KindClaim), out var kind) ? kind : null;

    public static string? UserIdOf(ClaimsPrincipal principal) => principal.FindFirstValue(UserIdClaim);

    public static string? CredentialOf(ClaimsPrincipal principal) => principal.FindFirstValue(CredentialClaim);

    public static string? CsrfTokenOf(ClaimsPrincipal principal) => principal.FindFirstValue(CsrfClaim);

    public static string? RoleOf(ClaimsPrincipal principal) => principal.FindFirstValue(ClaimTypes.Role);

    /// <summary>The id of the terminal whose token the request carried; null for any other principal.</summary>
    public static long? TerminalIdOf(ClaimsPrincipal principal) =>
        KindOf(principal) == SignInKind.Terminal && long.TryParse(CredentialOf(principal), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? id
            : null;

    /// <summary>Whose Idempotency-Keys a request uses: one space per user (all their tokens and sessions), one per terminal; null when anonymous.</summary>
    public static string? ScopeOf(ClaimsPrincipal principal) => KindOf(principal) switch
    {
        SignInKind.Terminal => "terminal:" + CredentialOf(principal),
        null => null,
        _ => "user:" + UserIdOf(principal),
    };

    /// <summary>How audit rows name the principal: <c>alice (session)</c>, <c>ci (token tok-…)</c>, <c>terminal 7 (pc-12)</c>; null when anonymous.</summary>
    public static string? Describe(ClaimsPrincipal principal) => KindOf(principal) switch
    {
        SignInKind.Session => $"{principal.Identity!.Name} (session)",
        SignInKind.Token => $"{principal.Identity!.Name} (token {CredentialOf(principal)})",
        SignInKind.Terminal => $"terminal {CredentialOf(principal)} ({principal.Identity!.Name})",
        _ => null,
    };
}

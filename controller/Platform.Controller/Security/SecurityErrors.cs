using Platform.Controller.Api;

namespace Platform.Controller.Security;

/// <summary>The answers of authentication and authorization, worded once.</summary>
internal static class SecurityErrors
{
    public const string SignInNeeded = "this call needs credentials: an API token (Authorization: Bearer plt_…) or the console's session";

    public const string RegistrationNeedsCredentials =
        "registering a terminal needs a terminal-enrollment token or an operator's credentials (Authorization: Bearer plt_…); registering it again, its own token";

    public static readonly ApiError TerminalUnauthenticated =
        new(ApiErrorCode.TerminalUnauthenticated, "this call needs the terminal's token (Authorization: Bearer TOKEN from /thor/voi/terminal/register)");

    public static readonly ApiError WrongPassword = new(ApiErrorCode.WrongCredentials, "the name or the password is wrong");

    public static readonly ApiError CsrfRejected = new(
        ApiErrorCode.CsrfRejected,
        "a change made with the console's session must come from the console's own origin and carry its X-CSRF-Token header");

    public static readonly ApiError TooManyAttempts = new(ApiErrorCode.TooManyAttempts, "too many sign-in attempts from this address; wait a minute");

    public static ApiError Forbidden(string? role, ApiAccess? needed) => new(
        ApiErrorCode.Forbidden,
        (role, needed) switch
        {
            (UserRoles.Terminal, _) => "a terminal's token may only call the terminal endpoints of /thor/voi/terminal",
            (UserRoles.TerminalEnrollment, _) => $"a {UserRoles.TerminalEnrollment} token may only register terminals (/thor/voi/terminal/register)",
            (_, ApiAccess.Terminal) => "only a registered terminal may call this, with its own token",
            (_, { } access) => $"the role {role} may not do this; it needs {Needed(access)}",
            _ => $"the role {role} may not do this",
        });

    private static string Needed(ApiAccess access) => access switch
    {
        ApiAccess.Operator => "operator or admin",
        ApiAccess.Admin => "admin",
        ApiAccess.TerminalRegistration => $"operator or admin, a {UserRoles.TerminalEnrollment} token, or the terminal's own token",
        _ => "a signed-in user",
    };
}

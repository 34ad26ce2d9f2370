namespace Platform.Controller.Security;

/// <summary>
/// Who may call an endpoint. Every REST operation states one (<c>ApiOperation.Access</c> is
/// required, so an endpoint without a decision does not compile); the policy of each is
/// registered once in <see cref="SecurityExtensions"/>.
/// </summary>
internal enum ApiAccess
{
    /// <summary>No credentials needed: signing in.</summary>
    Public,

    /// <summary>Any signed-in user, whatever the role: who am I, signing out, one's own password and tokens.</summary>
    SignedIn,

    /// <summary>Reads: every role.</summary>
    Viewer,

    /// <summary>Changes to resources: operators and admins.</summary>
    Operator,

    /// <summary>Users and other people's tokens: admins only.</summary>
    Admin,

    /// <summary>A registered terminal with its own token (the driver-center distribution calls), nobody else.</summary>
    Terminal,

    /// <summary>
    /// Registering a terminal: an operator or admin, a terminal-enrollment token (what a
    /// terminal's install media carries), or a registered terminal renewing its own registration.
    /// </summary>
    TerminalRegistration,
}

/// <summary>The roles a user (or a token) holds, each including the ones below it.</summary>
internal static class UserRoles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Viewer = "viewer";

    /// <summary>Not a user role: the principal of a terminal's token.</summary>
    public const string Terminal = "terminal";

    /// <summary>
    /// Not a user role: an API token that may only register terminals, made by an operator or an
    /// admin to be put on terminals' install media (like a cluster's join token). Whoever holds it
    /// can register terminals and nothing else.
    /// </summary>
    public const string TerminalEnrollment = "terminal-enrollment";

    /// <summary>Weakest first.</summary>
    public static readonly IReadOnlyList<string> All = [Viewer, Operator, Admin];

    /// <summary>What an API token may be given: a user role, or terminal enrollment.</summary>
    public static readonly IReadOnlyList<string> TokenRoles = [.. All, TerminalEnrollment];

    /// <summary>Who may make a terminal-enrollment token (and whose enrollment tokens keep working).</summary>
    public static bool MayEnrollTerminals(string userRole) => Rank(userRole) >= Rank(Operator);

    /// <summary>
    /// The role a token of <paramref name="tokenRole"/> acts with for a user of
    /// <paramref name="userRole"/>: never above the user's; an enrollment token only while its
    /// user may still register terminals. Null: the token may act as nothing.
    /// </summary>
    public static string? OfToken(string tokenRole, string userRole) => tokenRole == TerminalEnrollment
        ? MayEnrollTerminals(userRole) ? TerminalEnrollment : null
        : Weaker(tokenRole, userRole);

    public static int Rank(string role) => role switch
    {
        Viewer => 1,
        Operator => 2,
        Admin => 3,
        _ => 0,
    };

    /// <summary>The weaker of two roles (a token never acts beyond its user).</summary>
    public static string Weaker(string a, string b) => Rank(a) <= Rank(b) ? a : b;

    /// <summary>The user roles that satisfy <paramref name="access"/> (empty for the non-user levels).</summary>
    public static IReadOnlyList<string> Granting(ApiAccess access) => access switch
    {
        ApiAccess.SignedIn or ApiAccess.Viewer => All,
        ApiAccess.Operator => [Operator, Admin],
        ApiAccess.Admin => [Admin],
        ApiAccess.Terminal => [Terminal],
        ApiAccess.TerminalRegistration => [Operator, Admin, TerminalEnrollment, Terminal],
        _ => [],
    };
}

namespace Platform.Controller.Security;

/// <summary>
/// Who may call an endpoint. Every REST operation states one (<c>ApiOperation.Access</c> is
/// required, so an endpoint without a decision does not compile); the policy of each is
/// registered once in <see cref="SecurityExtensions"/>.
/// </summary>
internal enum ApiAccess
{
    /// <summary>No credentials needed: signing in, and a terminal registering itself.</summary>
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
}

/// <summary>The roles a user (or a token) holds, each including the ones below it.</summary>
internal static class UserRoles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Viewer = "viewer";

    /// <summary>Not a user role: the principal of a terminal's token.</summary>
    public const string Terminal = "terminal";

    /// <summary>Weakest first.</summary>
    public static readonly IReadOnlyList<string> All = [Viewer, Operator, Admin];

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
        _ => [],
    };
}

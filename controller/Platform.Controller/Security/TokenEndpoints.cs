using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Audit;

namespace Platform.Controller.Security;

/// <summary>
/// API tokens, for scripts and the CLI: /api/v1/auth/tokens. Everyone manages their own; an
/// admin sees and revokes everyone's. A token may be given a weaker role than its user's
/// (a read-only token of an admin) and an expiry.
/// </summary>
internal static class TokenEndpoints
{
    private const string Tag = "auth";
    private const int MaxExpiryDays = 3650;

    public static void MapTokenEndpoints(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/api/v1/auth/tokens");
        tokens.MapGet("/list", List).Describe(new("token_list", Tag, "The caller's API tokens (an admin's: everyone's)", typeof(IReadOnlyList<TokenView>)) { Access = ApiAccess.SignedIn });
        tokens.MapPost("/create", Create).Describe(new("token_create", Tag, "Create an API token; the token is answered once", typeof(CreatedToken))
        {
            Access = ApiAccess.SignedIn,
            Fields =
            [
                ApiField.Text("name", TextRule.Name, required: true),
                ApiField.Choice("role", UserRoles.TokenRoles) with { Description = $"at most the user's own role (the default); {UserRoles.TerminalEnrollment}: may only register terminals (operators and admins make these)" },
                ApiField.Integer("expires_in_days", 1, MaxExpiryDays) with { Description = "none: the token does not expire" },
            ],
        });
        tokens.MapPost("/revoke", Revoke).Describe(new("token_revoke", Tag, "Revoke an API token; it stops working at once", typeof(TokenView))
        {
            Access = ApiAccess.SignedIn,
            Fields = [ApiField.Text("token_id", TextRule.Name, required: true)],
        });
    }

    private static Task<IResult> List(HttpRequest http, TokenStore tokens, CancellationToken ct) =>
        ApiCall.RunAsync(http, async _ => (object?)await tokens.ListAsync(OwnerFilter(http), ct), ct);

    private static Task<IResult> Create(HttpRequest http, TokenStore tokens, TimeProvider time, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var principal = http.HttpContext.User;
            var userRole = Principals.RoleOf(principal)!;
            var name = request.Text("name", TextRule.Name, required: true);
            var role = request.Choice("role", UserRoles.TokenRoles) ?? userRole;
            var days = request.Integer("expires_in_days", 1, MaxExpiryDays);
            if (role == UserRoles.TerminalEnrollment && !UserRoles.MayEnrollTerminals(userRole))
            {
                request.AddError("role", $"{UserRoles.TerminalEnrollment} tokens are made by operators and admins");
            }
            else if (UserRoles.Rank(role) > UserRoles.Rank(userRole))
            {
                request.AddError("role", $"must be at most {userRole}, the role of the credentials creating it");
            }
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            DateTimeOffset? expiresAt = days is { } d ? time.GetUtcNow().AddDays(d) : null;
            var audit = new AuditEvent(AuditActions.TokenCreate, "", Caller.Of(http), new { name, role, expires_at = expiresAt?.ToUnixTimeSeconds() });
            var created = await tokens.CreateAsync(Principals.UserIdOf(principal)!, name!, role, expiresAt, audit, ct);
            return created is { } made
                ? new CreatedToken(made.View.TokenId, made.View.Name, made.View.Role, made.View.CreatedAt, made.View.ExpiresAt, made.Token)
                : new ApiError(ApiErrorCode.AlreadyExists, $"you already have a token named {name}; revoke it or choose another name");
        }, ct);

    private static Task<IResult> Revoke(HttpRequest http, TokenStore tokens, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var tokenId = request.Text("token_id", TextRule.Name, required: true);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var audit = new AuditEvent(AuditActions.TokenRevoke, tokenId!, Caller.Of(http));
            return await tokens.RevokeAsync(tokenId!, OwnerFilter(http), audit, ct) is { } revoked ? revoked : UserErrors.TokenNotFound(tokenId!);
        }, ct);

    /// <summary>Whose tokens the caller may see and revoke: their own, or everyone's (null) for an admin.</summary>
    private static string? OwnerFilter(HttpRequest http) =>
        Principals.RoleOf(http.HttpContext.User) == UserRoles.Admin ? null : Principals.UserIdOf(http.HttpContext.User);
}

/// <summary>A new token: <c>token</c> is the secret to present as <c>Authorization: Bearer</c>, shown only here.</summary>
internal sealed record CreatedToken(string TokenId, string Name, string Role, long CreatedAt, long? ExpiresAt, string Token);

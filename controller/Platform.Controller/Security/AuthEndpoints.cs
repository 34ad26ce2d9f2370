using Microsoft.Extensions.Options;
using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Audit;

namespace Platform.Controller.Security;

/// <summary>The console's sign-in, the caller's own identity and password: /api/v1/auth.</summary>
internal static class AuthEndpoints
{
    private const string Tag = "auth";

    public static void MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/v1/auth");
        auth.MapPost("/login", Login).Describe(new("auth_login", Tag, "Sign in: starts a console session (cookie) and answers its CSRF token", typeof(SignedIn))
        {
            Access = ApiAccess.Public,
            Description = $"At most Security:SignInAttemptsPerMinute attempts per address and minute (429 beyond). Changes made with the session need the csrf_token in {OriginCheckMiddleware.CsrfHeader}.",
            Fields = [ApiField.Text("name", TextRule.Name, required: true), ApiField.Text("password", TextRule.Secret, required: true)],
        }).RequireRateLimiting(SecurityPolicies.SignInRateLimit);
        auth.MapPost("/logout", Logout).Describe(new("auth_logout", Tag, "Sign out: ends the console session", typeof(object)) { Access = ApiAccess.SignedIn });
        auth.MapGet("/whoami", WhoAmI).Describe(new("auth_whoami", Tag, "Who the credentials are, their role, and the session's CSRF token", typeof(Identity)) { Access = ApiAccess.SignedIn });
        auth.MapPost("/password", ChangePassword).Describe(new("auth_password", Tag, "Change one's own password; ends one's other sessions", typeof(UserView))
        {
            Access = ApiAccess.SignedIn,
            Fields = [ApiField.Text("current_password", TextRule.Secret, required: true), ApiField.Text("new_password", TextRule.Secret, required: true)],
        });
    }

    private static Task<IResult> Login(HttpRequest http, UserStore users, SessionStore sessions, IOptions<SecurityOptions> options, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var name = request.Text("name", TextRule.Name, required: true);
            var password = request.Text("password", TextRule.Secret, required: true);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var user = await users.FindAsync(name!, ct);
            if (user is null)
            {
                PasswordHashing.VerifyDecoy(password!);
                return SecurityErrors.WrongPassword;
            }
            if (!PasswordHashing.Verify(password!, user.PasswordHash) || user.Disabled)
            {
                return SecurityErrors.WrongPassword;
            }
            var session = await sessions.CreateAsync(user.UserId, options.Value.SessionLifetime, ct);
            SessionCookies.Set(http.HttpContext.Response, session);
            return new SignedIn(user.UserId, user.Name, user.Role, session.CsrfToken, session.ExpiresAt.ToUnixTimeSeconds());
        }, ct);

    private static Task<IResult> Logout(HttpRequest http, SessionStore sessions, CancellationToken ct) =>
        ApiCall.RunAsync(http, async _ =>
        {
            if (Principals.KindOf(http.HttpContext.User) != SignInKind.Session)
            {
                return new ApiError(ApiErrorCode.InvalidState, "signed in with an API token, not a session: revoke the token with /api/v1/auth/tokens/revoke");
            }
            await sessions.EndAsync(Principals.CredentialOf(http.HttpContext.User)!, ct);
            SessionCookies.Clear(http.HttpContext.Response);
            return null;
        }, ct);

    private static Task<IResult> WhoAmI(HttpRequest http, CancellationToken ct) =>
        ApiCall.RunAsync(http, _ =>
        {
            var user = http.HttpContext.User;
            return Task.FromResult<object?>(new Identity(
                Principals.UserIdOf(user)!, user.Identity!.Name!, Principals.RoleOf(user)!,
                Principals.KindOf(user)!.Value.ToString().ToLowerInvariant(), Principals.CredentialOf(user)!, Principals.CsrfTokenOf(user)));
        }, ct);

    private static Task<IResult> ChangePassword(HttpRequest http, UserStore users, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var current = request.Text("current_password", TextRule.Secret, required: true);
            var next = request.Text("new_password", TextRule.Secret, required: true);
            if (next is not null && next.Length < SecurityOptions.MinimumPasswordLength)
            {
                request.AddError("new_password", $"must be at least {SecurityOptions.MinimumPasswordLength} characters");
            }
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var principal = http.HttpContext.User;
            var user = await users.FindAsync(principal.Identity!.Name!, ct);
            if (user is null || !PasswordHashing.Verify(current!, user.PasswordHash))
            {
                return new ApiError(ApiErrorCode.WrongCredentials, "the current password is wrong; nothing was changed");
            }
            var keep = Principals.KindOf(principal) == SignInKind.Session ? Principals.CredentialOf(principal) : null;
            var audit = new AuditEvent(AuditActions.UserPassword, user.UserId, Caller.Of(http));
            var (change, updated) = await users.UpdateAsync(user.Name, null, PasswordHashing.Hash(next!), null, keep, audit, ct);
            return change == UserChange.Done ? updated : UserErrors.Of(change, user.Name);
        }, ct);
}

/// <summary>The answer of a sign-in: who, and the token changes made with this session must carry.</summary>
internal sealed record SignedIn(string UserId, string Name, string Role, string CsrfToken, long ExpiresAt);

/// <summary>The caller as the controller sees it: <c>via</c> is session or token, <c>credential_id</c> the session's or token's id.</summary>
internal sealed record Identity(string UserId, string Name, string Role, string Via, string CredentialId, string? CsrfToken);

using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.DriverCenter;

namespace Platform.Controller.Security;

/// <summary>
/// Recognises the three credentials of the REST API: a user's API token or a terminal's token
/// (<c>Authorization: Bearer</c>), and the console's session cookie. A credential that is
/// presented but not valid is a 401 naming why on every endpoint that needs one (public ones
/// ignore it, so signing in again works with an ended session's cookie). Challenges and
/// refusals answer in the API's envelope.
/// </summary>
internal sealed class PlatformAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    TokenStore tokens,
    SessionStore sessions,
    TerminalStore terminals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var ct = Context.RequestAborted;
        if (BearerToken(Request) is { } bearer)
        {
            if (Credentials.TryParseToken(bearer, out var tokenId, out var secret))
            {
                return await tokens.AuthenticateAsync(tokenId, secret, ct) is { } user
                    ? Success(user)
                    : AuthenticateResult.Fail("the API token is unknown, revoked or expired, or its user may no longer use it");
            }
            return await terminals.AuthenticateAsync(TerminalStore.HashOf(bearer), ct) is { } terminal
                ? Success(Principals.Terminal(terminal.Id, terminal.Name))
                : AuthenticateResult.Fail("the bearer token is not an API token (plt_…) nor a registered terminal's");
        }
        if (Request.Cookies[SessionCookies.Name] is { Length: > 0 } cookie)
        {
            return Credentials.TryParseSessionCookie(cookie, out var sessionId, out var secret)
                && await sessions.AuthenticateAsync(sessionId, secret, ct) is { } user
                ? Success(user)
                : AuthenticateResult.Fail("the session has ended; sign in again");
        }
        return AuthenticateResult.NoResult();
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var error = Context.GetEndpoint()?.Metadata.GetMetadata<ApiOperation>()?.Access switch
        {
            ApiAccess.Terminal => SecurityErrors.TerminalUnauthenticated,
            ApiAccess.TerminalRegistration when result.Failure is null => new ApiError(ApiErrorCode.Unauthenticated, SecurityErrors.RegistrationNeedsCredentials),
            _ => new ApiError(ApiErrorCode.Unauthenticated, result.Failure?.Message ?? SecurityErrors.SignInNeeded),
        };
        Response.Headers.WWWAuthenticate = "Bearer";
        await ApiEnvelope.Fail(error).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var access = Context.GetEndpoint()?.Metadata.GetMetadata<ApiOperation>()?.Access;
        return ApiEnvelope.Fail(SecurityErrors.Forbidden(Principals.RoleOf(Context.User), access)).ExecuteAsync(Context);
    }

    private AuthenticateResult Success(System.Security.Claims.ClaimsPrincipal principal) =>
        AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));

    /// <summary>The credential of <c>Authorization: Bearer CREDENTIAL</c>; null without one.</summary>
    internal static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }
}

using Platform.Controller.Api;

namespace Platform.Controller.Security;

/// <summary>
/// Cross-site request forgery stops here, before any endpoint: a change (any method but GET,
/// HEAD and OPTIONS) whose <c>Origin</c> is not the API's own is refused, whoever sent it; and a
/// change made with the console's session cookie must also carry the session's
/// <c>X-CSRF-Token</c>, which another site cannot read. Bearer tokens are never sent by a browser
/// on its own, so calls with them need no more.
/// </summary>
internal sealed class OriginCheckMiddleware(RequestDelegate next)
{
    public const string CsrfHeader = "X-CSRF-Token";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!ApiRoutes.IsFacadePath(request.Path) || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            return next(context);
        }
        var foreignOrigin = request.Headers.Origin is { Count: > 0 } origin
            && !string.Equals(origin.ToString(), $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
        var unprovenSession = Principals.KindOf(context.User) == SignInKind.Session
            && !Matches(request.Headers[CsrfHeader].ToString(), Principals.CsrfTokenOf(context.User));
        return foreignOrigin || unprovenSession ? ApiEnvelope.Fail(SecurityErrors.CsrfRejected).ExecuteAsync(context) : next(context);
    }

    private static bool Matches(string presented, string? expected) =>
        expected is not null && presented.Length == expected.Length
        && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(presented), System.Text.Encoding.ASCII.GetBytes(expected));
}

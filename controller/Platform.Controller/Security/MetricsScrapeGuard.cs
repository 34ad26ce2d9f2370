using Microsoft.AspNetCore.Authentication;
using Platform.Common.Observability;

namespace Platform.Controller.Security;

/// <summary>
/// The controller's /metrics is read with a user's credentials (any role): a Prometheus job
/// presents a viewer's API token (<c>authorization: credentials</c>). Terminals may not.
/// </summary>
internal sealed class MetricsScrapeGuard : IMetricsScrapeGuard
{
    public async Task<bool> AllowAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(SecurityExtensions.Scheme);
        if (!result.Succeeded)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await context.Response.WriteAsync("metrics need an API token: Authorization: Bearer plt_…\n");
            return false;
        }
        if (UserRoles.Rank(Principals.RoleOf(result.Principal) ?? "") == 0)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("metrics are for users of the platform, not terminals\n");
            return false;
        }
        // The scrape branch runs ahead of the authentication middleware: the request log names the scraper from this.
        context.User = result.Principal;
        return true;
    }
}

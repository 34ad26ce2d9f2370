using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Platform.Common.Hosting;
using Platform.Controller.Api;

namespace Platform.Controller.Security;

/// <summary>The policy of each <see cref="ApiAccess"/>, named once.</summary>
internal static class SecurityPolicies
{
    public const string SignInRateLimit = "sign-in";

    public static string Of(ApiAccess access) => "access:" + access.ToString().ToLowerInvariant();
}

internal static class SecurityExtensions
{
    public const string Scheme = "Platform";

    /// <summary>Users, tokens and sessions; one authentication scheme; a policy per <see cref="ApiAccess"/>; the sign-in rate limit.</summary>
    public static WebApplicationBuilder AddSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<SecurityOptions>(builder.Configuration, SecurityOptions.Section);
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<SecurityOptions>, RestEndpointValidation>();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<TokenStore>();
        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddSingleton<Platform.Common.Observability.IMetricsScrapeGuard, MetricsScrapeGuard>();
        builder.Services.AddSingleton<Platform.Common.Observability.IRequestPrincipalNamer, RequestLogPrincipalNamer>();
        builder.Services.AddAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, PlatformAuthenticationHandler>(Scheme, null);
        builder.Services.AddAuthorization(authorization =>
        {
            foreach (var access in Enum.GetValues<ApiAccess>().Where(a => a != ApiAccess.Public))
            {
                authorization.AddPolicy(SecurityPolicies.Of(access), policy => policy.RequireAuthenticatedUser().RequireRole(UserRoles.Granting(access)));
            }
        });
        var attempts = builder.Configuration.GetValidated<SecurityOptions>(SecurityOptions.Section).SignInAttemptsPerMinute;
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(SecurityPolicies.SignInRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = attempts, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            limiter.OnRejected = async (rejected, ct) =>
            {
                rejected.HttpContext.Response.Headers.RetryAfter = "60";
                await ApiEnvelope.Fail(SecurityErrors.TooManyAttempts).ExecuteAsync(rejected.HttpContext);
            };
        });
        return builder;
    }

    /// <summary>Authentication, the origin/CSRF check, authorization and the sign-in limit, in that order.</summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseMiddleware<OriginCheckMiddleware>();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }
}

using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Platform.Controller.Security;

namespace Platform.Controller.Api.Description;

/// <summary>
/// The document's security: the two ways a user signs in (an API token as bearer, the console's
/// session cookie) and a terminal's token, and on each operation which of them it takes and
/// which roles it needs (from <see cref="ApiOperation.Access"/>).
/// </summary>
internal static class ApiSecurityDescription
{
    private const string Token = "api_token";
    private const string Session = "session";
    private const string TerminalToken = "terminal_token";

    public static void AddSchemes(OpenApiDocument document)
    {
        document.AddComponent<IOpenApiSecurityScheme>(Token, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API token (plt_…) from /api/v1/auth/tokens/create; it acts with at most its user's role.",
        });
        document.AddComponent<IOpenApiSecurityScheme>(Session, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = SessionCookies.Name,
            Description = $"The console's session from /api/v1/auth/login; a change also needs its csrf_token in {OriginCheckMiddleware.CsrfHeader}.",
        });
        document.AddComponent<IOpenApiSecurityScheme>(TerminalToken, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A terminal's token, answered once by /thor/voi/terminal/register.",
        });
    }

    public static void Describe(OpenApiOperation operation, ApiAccess access, OpenApiDocument? document)
    {
        var roles = UserRoles.Granting(access);
        // Any one requirement is enough. OpenAPI 3.1 lets a non-OAuth requirement list the roles
        // it needs; the console reads them to offer only what the signed-in user's role may do.
        (string Scheme, List<string> Roles)[] requirements = access switch
        {
            ApiAccess.Public => [],
            ApiAccess.Terminal => [(TerminalToken, [])],
            ApiAccess.TerminalRegistration =>
            [
                (Token, [.. roles.Where(role => role != UserRoles.Terminal)]),
                (Session, [.. roles.Where(UserRoles.All.Contains)]),
                (TerminalToken, []),
            ],
            _ => [(Token, [.. roles]), (Session, [.. roles])],
        };
        operation.Security = requirements
            .Select(requirement => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(requirement.Scheme, document)] = requirement.Roles })
            .ToList();
        if (access is not ApiAccess.Public and not ApiAccess.Terminal)
        {
            var who = access == ApiAccess.TerminalRegistration
                ? $"{string.Join(", ", roles.Where(role => role != UserRoles.Terminal))}, or the terminal's own token (renewing its registration)"
                : string.Join(", ", roles);
            operation.Description = $"{operation.Description}{(operation.Description is null ? "" : "\n\n")}Roles: {who}.";
        }
    }
}

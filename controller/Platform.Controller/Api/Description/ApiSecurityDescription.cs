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
        var schemes = access switch
        {
            ApiAccess.Public => [],
            ApiAccess.Terminal => [TerminalToken],
            _ => new[] { Token, Session },
        };
        var roles = UserRoles.Granting(access);
        // Either scheme alone is enough: one requirement each. OpenAPI 3.1 lets a non-OAuth
        // requirement list the roles it needs; the console reads them to offer only what the
        // signed-in user's role may do.
        List<string> scopes = access is ApiAccess.Public or ApiAccess.Terminal ? [] : [.. roles];
        operation.Security = schemes.Select(scheme => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, document)] = scopes }).ToList();
        if (access is not ApiAccess.Public and not ApiAccess.Terminal)
        {
            operation.Description = $"{operation.Description}{(operation.Description is null ? "" : "\n\n")}Roles: {string.Join(", ", roles)}.";
        }
    }
}

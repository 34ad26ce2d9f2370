using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Platform.Controller.Api;

/// <summary>
/// The /api and /thor paths as the REST facade spells them. ASP.NET Core matches routes
/// ignoring case; the facade does not (<c>/API/V1/images/list</c> and <c>/api/v1/Images/List</c>
/// are unknown paths), and a known path asked with another method is told which methods it takes (405).
/// </summary>
internal static class ApiRoutes
{
    /// <summary>The facade's roots: the IaaS API (seed 000) and the driver center (seed 003).</summary>
    public static readonly IReadOnlyList<string> Prefixes = ["/api", "/thor"];

    /// <summary>Whether the request is for the facade (in any spelling of its roots).</summary>
    public static bool IsFacadePath(PathString path) =>
        Prefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>The request's path in the form routes are compared in: one trailing slash is ignored.</summary>
    public static string Normalize(PathString path)
    {
        var value = path.Value ?? "/";
        return value.Length > 1 && value.EndsWith('/') ? value[..^1] : value;
    }

    // Endpoints are built once; their spelled paths are computed once (null: not a fixed /api path).
    private static readonly ConditionalWeakTable<RouteEndpoint, string?> Spelled = new();

    /// <summary>Whether the route is one of the facade's fixed paths (no parameters or catch-alls), and its path as mapped.</summary>
    public static bool IsLiteralApiRoute(RouteEndpoint endpoint, out string path)
    {
        path = Spelled.GetValue(endpoint, static e =>
        {
            if (e.RoutePattern.Parameters.Count > 0)
            {
                return null;
            }
            var spelled = "/" + string.Join('/', e.RoutePattern.PathSegments.Select(s => ((RoutePatternLiteralPart)s.Parts[0]).Content));
            return Prefixes.Any(prefix => spelled.StartsWith(prefix + "/", StringComparison.OrdinalIgnoreCase)) ? spelled : null;
        }) ?? "";
        return path.Length > 0;
    }
}

/// <summary>Drops a fixed /api route from the candidates when the request spells its path in another case.</summary>
internal sealed class CaseSensitiveApiRoutes : MatcherPolicy, IEndpointSelectorPolicy
{
    // After the built-in policies; only ever narrows the candidates.
    public override int Order => 1000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(e => e is RouteEndpoint route && ApiRoutes.IsLiteralApiRoute(route, out _));

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var path = ApiRoutes.Normalize(httpContext.Request.Path);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i)
                && candidates[i].Endpoint is RouteEndpoint route
                && ApiRoutes.IsLiteralApiRoute(route, out var spelled)
                && !string.Equals(spelled, path, StringComparison.Ordinal))
            {
                candidates.SetValidity(i, false);
            }
        }
        return Task.CompletedTask;
    }
}

/// <summary>The methods each fixed /api path answers, read once from the mapped endpoints.</summary>
internal sealed class ApiRouteTable(EndpointDataSource endpoints)
{
    private FrozenDictionary<string, string[]>? _methods;

    /// <summary>The methods <paramref name="path"/> (exactly as spelled) answers; empty when it is no endpoint.</summary>
    public IReadOnlyList<string> MethodsOf(PathString path) =>
        (_methods ??= Build()).GetValueOrDefault(ApiRoutes.Normalize(path)) ?? [];

    private FrozenDictionary<string, string[]> Build() =>
        endpoints.Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Literal: ApiRoutes.IsLiteralApiRoute(e, out var path), Path: path))
            .Where(e => e.Literal && e.Endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is { HttpMethods.Count: > 0 })
            .GroupBy(e => e.Path, StringComparer.Ordinal)
            .ToFrozenDictionary(
                g => g.Key,
                g => g.SelectMany(e => e.Endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
                StringComparer.Ordinal);
}

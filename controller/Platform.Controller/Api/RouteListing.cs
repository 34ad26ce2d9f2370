using System.Text.Json;

namespace Platform.Controller.Api;

/// <summary>
/// <c>--list-routes</c>: the controller prints every route it maps (one JSON object a line:
/// methods and pattern) and exits without serving or touching the database. What the route
/// table holds is then known from the table itself, e.g. to exercise every endpoint.
/// </summary>
internal static class RouteListing
{
    public const string Switch = "--list-routes";

    public static bool IsRequested(IReadOnlyList<string> args) => args.Contains(Switch, StringComparer.Ordinal);

    /// <summary>The command line without <see cref="Switch"/>, for the configuration.</summary>
    public static string[] WithoutSwitch(IEnumerable<string> args) => args.Where(a => !string.Equals(a, Switch, StringComparison.Ordinal)).ToArray();

    public static void Write(IEndpointRouteBuilder app, TextWriter output)
    {
        var routes = app.DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(endpoint => new Route(
                endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Order(StringComparer.Ordinal).ToArray() ?? [],
                endpoint.RoutePattern.RawText ?? ""))
            .OrderBy(route => route.Pattern, StringComparer.Ordinal);
        foreach (var route in routes)
        {
            output.WriteLine(JsonSerializer.Serialize(route, ListingJson));
        }
        output.Flush();
    }

    private static readonly JsonSerializerOptions ListingJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>One mapped route: the methods it answers (none listed: any) and its pattern as mapped.</summary>
    private sealed record Route(string[] Methods, string Pattern);
}

using System.Text.Json;

namespace Platform.Tests.Integration.Controller.Fuzz;

/// <summary>
/// What a route reads, learnt from the route itself: a body that gives every candidate field a
/// value no field takes is refused with every field the route read named in <c>errors</c>.
/// </summary>
/// <param name="Path">A concrete path of the route (parameters filled in).</param>
/// <param name="Fields">Top-level fields the route reads.</param>
/// <param name="Nested">For a field that is a list of objects, the fields of its elements.</param>
/// <param name="ReadsBody">The probe body was refused: the route parses what it is sent.</param>
/// <param name="PathMethods">Every method some route of this path answers.</param>
internal sealed record RouteProfile(ControllerRoute Route, string Method, string Path, IReadOnlyList<string> Fields,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Nested, bool ReadsBody, IReadOnlyList<string> PathMethods)
{
    public bool Mutates => Method is not ("GET" or "HEAD");

    public bool IsTerminalCall => Path.StartsWith("/thor/voi/terminal/", StringComparison.Ordinal) && Path != "/thor/voi/terminal/register"
        && !Path.EndsWith("/notify", StringComparison.Ordinal) && !Path.EndsWith("/update_status", StringComparison.Ordinal);

    public bool IsDownload => Route.Pattern.Contains("{name}", StringComparison.Ordinal);

    public override string ToString() => $"{Method} {Path}";

    /// <summary>The top-level field names an envelope's <c>data.errors</c> lists (<c>nics[0].name</c> → <c>nics</c>).</summary>
    public static IEnumerable<string> ErroredFields(string envelope, string prefix = "")
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(envelope).RootElement;
        }
        catch (JsonException)
        {
            yield break;
        }
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }
        foreach (var error in errors.EnumerateArray())
        {
            var field = error.GetProperty("field").GetString() ?? "";
            if (!field.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            var rest = field[prefix.Length..];
            var end = rest.IndexOfAny(['[', '.']);
            yield return end < 0 ? rest : rest[..end];
        }
    }
}

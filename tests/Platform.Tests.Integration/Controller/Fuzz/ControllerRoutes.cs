using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Fuzz;

/// <summary>One route of the controller's table: the methods it answers (empty: any) and its pattern.</summary>
internal sealed record ControllerRoute(IReadOnlyList<string> Methods, string Pattern)
{
    /// <summary>A path of the REST facade (/api, /thor), not gRPC, health or the like.</summary>
    public bool IsFacade => Pattern.StartsWith("/api/", StringComparison.Ordinal) || Pattern.StartsWith("/thor/", StringComparison.Ordinal);

    /// <summary>The catch-all that answers unknown facade paths (404/405 in the envelope).</summary>
    public bool IsFallback => Pattern.Contains("{**", StringComparison.Ordinal);

    public bool IsThor => Pattern.StartsWith("/thor/", StringComparison.Ordinal);

    public override string ToString() => $"{string.Join(',', Methods)} {Pattern}";
}

/// <summary>
/// What the published controller itself says it serves: its route table (<c>--list-routes</c>)
/// and the field names its code can read (the snake_case string literals of its assembly), so
/// that a new endpoint or field is exercised without anyone listing it here.
/// </summary>
internal static partial class ControllerRoutes
{
    private static string Dll => TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "controller", "Platform.Controller.dll"), "the published controller");

    public static async Task<IReadOnlyList<ControllerRoute>> ListAsync()
    {
        var config = Directory.CreateTempSubdirectory("platform-routes-");
        try
        {
            var listing = await ChildProcess.RunAsync("dotnet", [Dll, "--list-routes"], TimeSpan.FromMinutes(1),
                new Dictionary<string, string?> { ["PLATFORM_CONFIG_DIR"] = config.FullName });
            listing.EnsureSuccess();
            return listing.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => line.StartsWith('{'))
                .Select(line => JsonDocument.Parse(line).RootElement)
                .Select(route => new ControllerRoute(
                    route.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!).ToArray(),
                    route.GetProperty("pattern").GetString()!))
                .ToList();
        }
        finally
        {
            config.Delete(recursive: true);
        }
    }

    /// <summary>Every snake_case word the controller's code spells as a string: a superset of its request fields.</summary>
    public static IReadOnlyList<string> FieldNameCandidates()
    {
        using var pe = new PEReader(File.OpenRead(Dll));
        var metadata = pe.GetMetadataReader();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        for (var handle = MetadataTokens.UserStringHandle(1); !handle.IsNil; handle = metadata.GetNextHandle(handle))
        {
            var text = metadata.GetUserString(handle);
            if (FieldName().IsMatch(text))
            {
                names.Add(text);
            }
        }
        return [.. names];
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex FieldName();
}

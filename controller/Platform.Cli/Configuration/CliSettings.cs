using System.Text.Json;

namespace Platform.Cli.Configuration;

/// <summary>
/// Where platformctl finds the controller and the credentials, merged in this order (later wins):
/// /etc/platform/platformctl.json, the user's file ($XDG_CONFIG_HOME or ~/.config /platformctl/config.json),
/// the file of --config or PLATFORMCTL_CONFIG, the PLATFORMCTL_* environment, then the command line.
/// </summary>
internal sealed record CliSettings
{
    public const string DefaultEndpoint = "http://127.0.0.1:17080";
    public const string SystemFile = "/etc/platform/platformctl.json";

    /// <summary>The controller's REST root (http or https).</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>An API token (<c>plt_…</c>), sent as <c>Authorization: Bearer</c> on every REST request; <c>platformctl login</c> saves one.</summary>
    public string? Token { get; init; }

    /// <summary>The platform CA (PEM): trusted for an https endpoint and for agents.</summary>
    public string? CertificateAuthority { get; init; }

    /// <summary>The operator's client certificate and key (PEM), presented to agents (and an https controller).</summary>
    public string? Certificate { get; init; }

    public string? Key { get; init; }

    /// <summary>The files that were read, for `platformctl config`.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    public static readonly IReadOnlyDictionary<string, string> EnvironmentNames = new Dictionary<string, string>
    {
        ["endpoint"] = "PLATFORMCTL_ENDPOINT",
        ["token"] = "PLATFORMCTL_TOKEN",
        ["ca"] = "PLATFORMCTL_CA",
        ["cert"] = "PLATFORMCTL_CERT",
        ["key"] = "PLATFORMCTL_KEY",
    };

    public const string ConfigEnvironmentName = "PLATFORMCTL_CONFIG";

    /// <summary>The user's own file, where <c>platformctl login</c> saves its token.</summary>
    public static string UserFile(Func<string, string?> environment) => DefaultFiles(environment)[1];

    /// <summary>The files read before the environment, in order; those that do not exist are skipped.</summary>
    public static IReadOnlyList<string> DefaultFiles(Func<string, string?> environment)
    {
        var configHome = environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return [SystemFile, Path.Combine(configHome, "platformctl", "config.json")];
    }

    /// <summary>Merges the files, the environment and the command line's values (null: not given).</summary>
    /// <returns>The settings, or what is wrong with a file that exists.</returns>
    public static (CliSettings? Settings, string? Error) Load(
        Func<string, string?> environment, string? configFile, IReadOnlyDictionary<string, string?> flags)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var sources = new List<string>();
        var files = DefaultFiles(environment).ToList();
        var explicitFile = configFile ?? environment(ConfigEnvironmentName);
        if (explicitFile is { Length: > 0 })
        {
            if (!File.Exists(explicitFile))
            {
                return (null, $"the configuration file {explicitFile} does not exist");
            }
            files.Add(explicitFile);
        }
        foreach (var file in files.Where(File.Exists))
        {
            if (ReadFile(file, values) is { } error)
            {
                return (null, error);
            }
            sources.Add(file);
        }
        foreach (var (key, name) in EnvironmentNames)
        {
            if (environment(name) is { Length: > 0 } value)
            {
                values[key] = value;
            }
        }
        foreach (var (key, value) in flags)
        {
            if (value is { Length: > 0 })
            {
                values[key] = value;
            }
        }
        var endpoint = values.GetValueOrDefault("endpoint", DefaultEndpoint).TrimEnd('/');
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return (null, $"the endpoint '{endpoint}' is not an http:// or https:// URL");
        }
        return (new CliSettings
        {
            Endpoint = endpoint,
            Token = values.GetValueOrDefault("token"),
            CertificateAuthority = values.GetValueOrDefault("ca"),
            Certificate = values.GetValueOrDefault("cert"),
            Key = values.GetValueOrDefault("key"),
            Sources = sources,
        }, null);
    }

    private static string? ReadFile(string file, Dictionary<string, string> values)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return $"{file}: the configuration must be a JSON object";
            }
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!EnvironmentNames.ContainsKey(property.Name))
                {
                    return $"{file}: unknown setting '{property.Name}' (known: {string.Join(", ", EnvironmentNames.Keys)})";
                }
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    return $"{file}: '{property.Name}' must be a string";
                }
                values[property.Name] = property.Value.GetString()!;
            }
            return null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return $"{file}: {e.Message}";
        }
    }
}

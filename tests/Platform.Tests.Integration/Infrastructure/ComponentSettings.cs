namespace Platform.Tests.Integration.Infrastructure;

/// <summary>The KEY=VALUE lines a component's start script published.</summary>
internal sealed class ComponentSettings
{
    private readonly Dictionary<string, string> _values;
    private readonly string _source;

    private ComponentSettings(Dictionary<string, string> values, string source) => (_values, _source) = (values, source);

    public string this[string key] =>
        _values.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"{_source} has no {key}");

    public static ComponentSettings Load(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var separator = line.IndexOf('=', StringComparison.Ordinal);
            if (separator > 0 && !line.StartsWith('#'))
            {
                values[line[..separator]] = line[(separator + 1)..];
            }
        }
        return new ComponentSettings(values, path);
    }
}

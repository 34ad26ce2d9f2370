using System.Net;
using System.Text.RegularExpressions;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Agent.Compute;

/// <summary>
/// What libvirt needs of the Ceph client configuration: the monitors qemu's rbd driver dials
/// (msgr v1 addresses), the fsid, and the user's cephx key out of its keyring. Read from
/// ceph.conf the way Ceph itself does: <c>[client.USER]</c>, then <c>[client]</c>, then <c>[global]</c>.
/// </summary>
internal sealed partial class CephClientConfig
{
    private readonly Dictionary<string, Dictionary<string, string>> _sections;

    private CephClientConfig(string confPath, string user, Dictionary<string, Dictionary<string, string>> sections)
    {
        ConfPath = confPath;
        User = user.StartsWith("client.", StringComparison.Ordinal) ? user["client.".Length..] : user;
        _sections = sections;
    }

    public string ConfPath { get; }

    /// <summary>The cephx user without "client.".</summary>
    public string User { get; }

    public string EntityName => "client." + User;

    public string? Fsid => Setting("fsid");

    public static CephClientConfig Load(string confPath, string user) =>
        new(confPath, user, ParseIni(File.ReadAllLines(confPath)));

    /// <summary>
    /// mon_host as qemu should dial it: the v1 addresses of <c>[v2:a,v1:b]</c> lists, or every
    /// plain <c>ip:port</c> (a bare ip means 6789).
    /// </summary>
    public IReadOnlyList<CephMonitor> Monitors()
    {
        var value = Setting("mon_host") ?? "";
        var v1 = V1Address().Matches(value).Select(ToMonitor).ToList();
        if (v1.Count > 0)
        {
            return v1;
        }
        return [.. value.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries)
            .Where(part => !part.Contains("v2:", StringComparison.Ordinal))
            .Select(part => part.Trim('[', ']'))
            .Select(part => IPEndPoint.TryParse(part, out var endpoint)
                ? new CephMonitor(endpoint.Address.ToString(), endpoint.Port == 0 ? 6789 : endpoint.Port)
                : new CephMonitor(part))];
    }

    /// <summary>The user's base64 cephx key: <c>key</c> in ceph.conf, or from the first keyring file that has the user.</summary>
    public string ReadKey()
    {
        if (Setting("key") is { Length: > 0 } inline)
        {
            return inline;
        }
        var keyrings = Setting("keyring") is { } configured
            ? configured.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : [$"/etc/ceph/ceph.{EntityName}.keyring", "/etc/ceph/ceph.keyring", "/etc/ceph/keyring"];
        foreach (var path in keyrings.Select(p => p.Replace("$name", EntityName, StringComparison.Ordinal)))
        {
            if (!File.Exists(path))
            {
                continue;
            }
            var keyring = ParseIni(File.ReadAllLines(path));
            if (keyring.TryGetValue(EntityName, out var entry) && entry.TryGetValue("key", out var key))
            {
                return key;
            }
        }
        throw new InvalidOperationException($"no cephx key for {EntityName} in {ConfPath} or its keyrings ({string.Join(", ", keyrings)})");
    }

    private string? Setting(string name)
    {
        foreach (var section in new[] { EntityName, "client", "global" })
        {
            if (_sections.TryGetValue(section, out var settings) && settings.TryGetValue(name, out var value))
            {
                return value;
            }
        }
        return null;
    }

    private static CephMonitor ToMonitor(Match match) =>
        new(match.Groups["host"].Value, int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Ceph's ini dialect: '#' and ';' comments, and "mon host" is "mon_host".</summary>
    private static Dictionary<string, Dictionary<string, string>> ParseIni(IEnumerable<string> lines)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var current = sections["global"] = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }
            if (line[0] == '[' && line[^1] == ']')
            {
                var name = line[1..^1].Trim();
                if (!sections.TryGetValue(name, out current))
                {
                    current = sections[name] = new Dictionary<string, string>(StringComparer.Ordinal);
                }
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                var key = string.Join('_', line[..equals].Trim().Split([' ', '_'], StringSplitOptions.RemoveEmptyEntries));
                current[key] = line[(equals + 1)..].Trim().Trim('"');
            }
        }
        return sections;
    }

    [GeneratedRegex(@"v1:(?<host>[0-9.]+|\[[0-9a-fA-F:]+\]):(?<port>\d{1,5})", RegexOptions.CultureInvariant)]
    private static partial Regex V1Address();
}

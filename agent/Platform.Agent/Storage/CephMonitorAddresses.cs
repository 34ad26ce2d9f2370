using System.Net;
using System.Text.RegularExpressions;

namespace Platform.Agent.Storage;

/// <summary>Reads the monitor addresses out of a ceph.conf <c>mon_host</c> / <c>mon host</c> line.</summary>
internal static partial class CephMonitorAddresses
{
    public static IReadOnlyList<IPEndPoint> Parse(IEnumerable<string> confLines)
    {
        foreach (var line in confLines)
        {
            var setting = MonHostSetting().Match(line);
            if (setting.Success)
            {
                return Address().Matches(setting.Groups["value"].Value)
                    .Select(m => new IPEndPoint(IPAddress.Parse(m.Groups["ip"].Value), int.Parse(m.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture)))
                    .ToList();
            }
        }
        return [];
    }

    [GeneratedRegex(@"^\s*mon[ _]host\s*=\s*(?<value>.+)$")]
    private static partial Regex MonHostSetting();

    [GeneratedRegex(@"(?<ip>\d{1,3}(?:\.\d{1,3}){3}):(?<port>\d{1,5})")]
    private static partial Regex Address();
}

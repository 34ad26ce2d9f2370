using System.Globalization;

namespace Platform.Agent.Storage.Rbd;

/// <summary>
/// How to reach a Ceph cluster: a ceph.conf (which names the monitors and this user's keyring),
/// or monitor addresses and a key without any file, or a conf whose settings these override.
/// </summary>
internal sealed class CephConnectionOptions
{
    public string ClusterName { get; init; } = "ceph";

    /// <summary>The cephx user, without the "client." prefix.</summary>
    public string User { get; init; } = "platform";

    /// <summary>A ceph.conf to read first (rados_conf_read_file); optional when <see cref="MonitorHosts"/> and <see cref="Key"/> are set.</summary>
    public string? ConfFile { get; init; }

    /// <summary>mon_host, e.g. <c>[v2:10.0.0.1:3300,v1:10.0.0.1:6789]</c> or <c>10.0.0.1:6789</c>.</summary>
    public string? MonitorHosts { get; init; }

    /// <summary>The user's cephx secret (base64), instead of a keyring file.</summary>
    public string? Key { get; init; }

    /// <summary>client_mount_timeout: how long connect waits for a monitor before failing with ETIMEDOUT (Ceph's default is 300 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>rados_mon_op_timeout: the longest a monitor request may take once connected (0 = wait forever).</summary>
    public TimeSpan MonitorOperationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// rados_osd_op_timeout: the longest one RADOS object operation may take (0 = wait forever).
    /// Long operations consist of many of them, so this bounds a stuck OSD, not a long flatten.
    /// </summary>
    public TimeSpan OsdOperationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>client.USER, as librados names the entity.</summary>
    public string EntityName => User.StartsWith("client.", StringComparison.Ordinal) ? User : "client." + User;

    public static CephConnectionOptions FromConfFile(string confFile, string user = "platform") =>
        new() { ConfFile = confFile, User = user };

    public static CephConnectionOptions FromMonitors(string monitorHosts, string key, string user = "platform") =>
        new() { MonitorHosts = monitorHosts, Key = key, User = user };

    /// <summary>The settings applied with rados_conf_set after the conf file, in order. Includes the key: never log these.</summary>
    internal IEnumerable<KeyValuePair<string, string>> Overrides()
    {
        if (!string.IsNullOrEmpty(MonitorHosts))
        {
            yield return new("mon_host", MonitorHosts);
        }
        if (!string.IsNullOrEmpty(Key))
        {
            yield return new("key", Key);
        }
        yield return new("client_mount_timeout", Seconds(ConnectTimeout, minimum: 1));
        yield return new("rados_mon_op_timeout", Seconds(MonitorOperationTimeout, minimum: 0));
        yield return new("rados_osd_op_timeout", Seconds(OsdOperationTimeout, minimum: 0));
    }

    internal void Validate()
    {
        if (string.IsNullOrEmpty(ConfFile) && string.IsNullOrEmpty(MonitorHosts))
        {
            throw new ArgumentException("a Ceph connection needs a conf file or monitor hosts");
        }
        if (string.IsNullOrWhiteSpace(User) || string.IsNullOrWhiteSpace(ClusterName))
        {
            throw new ArgumentException("a Ceph connection needs a user and a cluster name");
        }
        if (ConnectTimeout <= TimeSpan.Zero || MonitorOperationTimeout < TimeSpan.Zero || OsdOperationTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), "Ceph timeouts must not be negative, and the connect timeout must be positive");
        }
    }

    /// <summary>These Ceph options take whole seconds ("2.5" is rejected with EINVAL): rounded up.</summary>
    private static string Seconds(TimeSpan value, int minimum) =>
        Math.Max(minimum, (long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Without the key.</summary>
    public override string ToString() =>
        $"{EntityName}@{ClusterName} (conf {ConfFile ?? "none"}, mon_host {MonitorHosts ?? "from conf"}, key {(Key is null ? "from keyring" : "given")})";
}

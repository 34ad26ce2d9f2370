using Platform.Agent.Storage.Rbd;

namespace Platform.Tests.Unit.Agent.Storage;

public class CephConnectionOptionsTests
{
    private const string Key = "AQBad0RrAAAAABAAAAAAAAAAAAAAAAAAAAAAAA==";

    private static readonly string[] RoundedTimeouts = ["client_mount_timeout=3", "rados_mon_op_timeout=0", "rados_osd_op_timeout=1"];

    [Test]
    public void Monitors_and_key_come_first_then_the_timeouts_in_whole_seconds()
    {
        var options = CephConnectionOptions.FromMonitors("[v2:10.0.0.1:3300,v1:10.0.0.1:6789]", Key);

        Assert.That(options.Overrides().Select(o => $"{o.Key}={o.Value}"), Is.EqualTo(new[]
        {
            "mon_host=[v2:10.0.0.1:3300,v1:10.0.0.1:6789]",
            "key=" + Key,
            "client_mount_timeout=10",
            "rados_mon_op_timeout=30",
            "rados_osd_op_timeout=60",
        }));
    }

    [Test]
    public void A_conf_file_alone_sets_only_the_timeouts_which_round_up()
    {
        var options = new CephConnectionOptions
        {
            ConfFile = "/etc/ceph/ceph.conf",
            ConnectTimeout = TimeSpan.FromMilliseconds(2500),
            MonitorOperationTimeout = TimeSpan.Zero,
            OsdOperationTimeout = TimeSpan.FromMilliseconds(1),
        };

        Assert.That(options.Overrides().Select(o => $"{o.Key}={o.Value}"), Is.EqualTo(RoundedTimeouts));
    }

    [TestCase("platform", "client.platform")]
    [TestCase("client.admin", "client.admin")]
    public void The_entity_is_the_user_with_the_client_prefix(string user, string entity) =>
        Assert.That(new CephConnectionOptions { User = user }.EntityName, Is.EqualTo(entity));

    [Test]
    public void Printing_the_options_never_shows_the_key()
    {
        var text = CephConnectionOptions.FromMonitors("10.0.0.1:6789", Key).ToString();

        Assert.That(text, Does.Not.Contain(Key));
        Assert.That(text, Does.Contain("client.platform@ceph").And.Contain("10.0.0.1:6789"));
    }

    [Test]
    public void Options_without_conf_or_monitors_are_refused()
    {
        Assert.That(() => new CephConnectionOptions { Key = Key }.Validate(), Throws.ArgumentException);
        Assert.That(() => CephCluster.ConnectAsync(new CephConnectionOptions()), Throws.ArgumentException);
    }

    [Test]
    public void A_zero_connect_timeout_is_refused() =>
        Assert.That(
            () => new CephConnectionOptions { ConfFile = "/etc/ceph/ceph.conf", ConnectTimeout = TimeSpan.Zero }.Validate(),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
}

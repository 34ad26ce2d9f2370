using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Platform.Agent.Storage.Rbd;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Storage;

/// <summary>Connecting the native binding to the test cluster, the ways the agent may be configured.</summary>
public class CephConnectionTests
{
    private ComponentSettings _ceph = null!;

    [SetUp]
    public void RequireCeph() => _ceph = TestEnvironment.Require("ceph");

    [Test]
    public async Task Connects_through_the_conf_file_and_reports_the_clusters_fsid()
    {
        using var cluster = await CephCluster.ConnectAsync(CephConnectionOptions.FromConfFile(_ceph["PLATFORM_CEPH_CONF"], _ceph["PLATFORM_CEPH_USER"]));

        Assert.That(cluster.Fsid, Is.EqualTo(_ceph["PLATFORM_CEPH_FSID"]));
        Assert.That(cluster.EntityName, Is.EqualTo("client.platform"));
    }

    [TestCase("PLATFORM_CEPH_MON_HOST")]
    [TestCase("PLATFORM_CEPH_MON_V1")]
    public async Task Connects_with_monitor_addresses_and_key_alone_without_a_conf_file(string monitors)
    {
        using var cluster = await CephCluster.ConnectAsync(CephConnectionOptions.FromMonitors(_ceph[monitors], _ceph["PLATFORM_CEPH_KEY"], _ceph["PLATFORM_CEPH_USER"]));
        using var pool = await cluster.OpenPoolAsync("images");

        Assert.That(cluster.Fsid, Is.EqualTo(_ceph["PLATFORM_CEPH_FSID"]));
        Assert.That(await pool.ListImagesAsync(), Is.Not.Null);
    }

    [Test]
    public async Task An_unreachable_monitor_fails_with_timed_out_within_the_connect_timeout()
    {
        var options = new CephConnectionOptions
        {
            MonitorHosts = "127.0.0.1:" + ClosedPort(),
            Key = _ceph["PLATFORM_CEPH_KEY"],
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };
        var clock = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<RadosException>(() => CephCluster.ConnectAsync(options));

        Assert.That(failure!.Error, Is.EqualTo(CephErrno.TimedOut));
        Assert.That(failure.Errno, Is.EqualTo(110));
        Assert.That(failure.Operation, Is.EqualTo("rados_connect"));
        Assert.That(clock.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(1.5)).And.LessThan(TimeSpan.FromSeconds(6)));
    }

    [Test]
    public void Cancelling_a_hanging_connect_returns_at_once()
    {
        var options = new CephConnectionOptions
        {
            MonitorHosts = "127.0.0.1:" + ClosedPort(),
            Key = _ceph["PLATFORM_CEPH_KEY"],
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();

        Assert.That(() => CephCluster.ConnectAsync(options, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public async Task A_wrong_key_is_refused_as_access_denied()
    {
        var options = CephConnectionOptions.FromMonitors(_ceph["PLATFORM_CEPH_MON_HOST"], "AQBad0RrAAAAABAAAAAAAAAAAAAAAAAAAAAAAA==", _ceph["PLATFORM_CEPH_USER"]);

        var failure = await Assert.ThrowsAsync<RadosException>(() => CephCluster.ConnectAsync(options));

        Assert.That(failure!.Error, Is.EqualTo(CephErrno.AccessDenied));
        Assert.That(failure.Message, Does.Not.Contain(_ceph["PLATFORM_CEPH_KEY"]));
    }

    [Test]
    public async Task Opening_a_pool_that_does_not_exist_fails_with_not_found()
    {
        using var cluster = await CephCluster.ConnectAsync(CephConnectionOptions.FromConfFile(_ceph["PLATFORM_CEPH_CONF"], _ceph["PLATFORM_CEPH_USER"]));

        var failure = await Assert.ThrowsAsync<RadosException>(() => cluster.OpenPoolAsync("no-such-pool"));

        Assert.That(failure!.Error, Is.EqualTo(CephErrno.NotFound));
        Assert.That(failure.ObjectName, Is.EqualTo("no-such-pool"));
    }

    [Test]
    public async Task A_missing_conf_file_fails_before_any_network_traffic()
    {
        var failure = await Assert.ThrowsAsync<RadosException>(() => CephCluster.ConnectAsync(CephConnectionOptions.FromConfFile("/nonexistent/ceph.conf")));

        Assert.That(failure!.Error, Is.EqualTo(CephErrno.NotFound));
        Assert.That(failure.Operation, Is.EqualTo("rados_conf_read_file"));
    }

    [Test]
    public void The_loaded_libraries_are_ceph_16()
    {
        var (rados, rbd) = CephCluster.LibraryVersions();

        Assert.That(rados.Major, Is.GreaterThanOrEqualTo(3));
        Assert.That(rbd, Is.GreaterThanOrEqualTo(new Version(1, 12, 0)), "rbd_list2, rbd_list_children3 and rbd_get_parent need Nautilus or later");
    }

    /// <summary>A loopback port nothing listens on (it was free a moment ago).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

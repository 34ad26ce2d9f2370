using System.Net;
using Platform.Agent.Storage;

namespace Platform.Tests.Unit.Agent;

public class CephMonitorAddressesTests
{
    [Test]
    public void Reads_v2_and_v1_addresses_in_order()
    {
        var monitors = CephMonitorAddresses.Parse(["[global]", "fsid = x", "mon_host = [v2:127.0.0.1:27010,v1:127.0.0.1:27011]"]);

        Assert.That(monitors, Is.EqualTo(new[] { IPEndPoint.Parse("127.0.0.1:27010"), IPEndPoint.Parse("127.0.0.1:27011") }));
    }

    [Test]
    public void Accepts_the_spaced_spelling_of_the_option() =>
        Assert.That(CephMonitorAddresses.Parse(["  mon host = 10.0.0.5:6789"]), Is.EqualTo(new[] { IPEndPoint.Parse("10.0.0.5:6789") }));

    [Test]
    public void Conf_without_monitors_yields_none() =>
        Assert.That(CephMonitorAddresses.Parse(["[global]", "fsid = x", "# mon_host = 1.2.3.4:1"]), Is.Empty);
}

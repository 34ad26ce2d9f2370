using Platform.Agent.Compute.Libvirt;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Compute;

/// <summary>
/// The network half of the binding against the test libvirtd: define, start (libvirt makes the
/// bridge and runs dnsmasq), DHCP reservations added and removed live and in the persistent
/// config, libvirt's own refusals, destroy and undefine. Each test uses a throwaway network on
/// its own bridge and a /24 of 198.19.0.0/16 that the host does not route yet (libvirt refuses a
/// subnet another interface has, the environments' networks included).
/// </summary>
public class LibvirtNetworkTests : LibvirtTestBase
{
    [Test]
    public async Task Network_is_defined_started_given_reservations_then_destroyed_and_undefined()
    {
        var (definition, prefix) = await ThrowawayAsync();
        using var network = await Connection.DefineNetworkAsync(definition);
        OnCleanUp(() => RemoveAsync(definition.Name));
        Assert.That(await network.IsActiveAsync(), Is.False);
        await network.StartAsync();
        await network.SetAutostartAsync(true);
        Assert.That(await network.IsActiveAsync(), Is.True);
        Assert.That(await ChildProcess.OutputOfAsync("ip", "-4", "-o", "addr", "show", "dev", definition.Bridge), Does.Contain($"{prefix}.1/24"), "libvirt made the bridge with the gateway");

        var host = new DhcpHost("52:54:00:0a:0b:0c", $"{prefix}.10");
        await network.AddDhcpHostAsync(host, NetworkModification.Live | NetworkModification.Config);
        var live = await network.DescribeAsync(inactive: false);
        var persistent = await network.DescribeAsync(inactive: true);
        Assert.That((live.Bridge, live.DhcpSubnet), Is.EqualTo((definition.Bridge, new Ipv4Subnet($"{prefix}.1", 24))));
        Assert.That(live.Hosts, Is.EqualTo(new[] { host }));
        Assert.That(persistent.Hosts, Is.EqualTo(new[] { host }));
        Assert.That(await network.GetDhcpLeasesAsync(), Is.Empty, "no guest has asked");
        Assert.That(await network.GetDhcpLeasesAsync(host.MacAddress), Is.Empty);
        // virsh reads the same thing back.
        Assert.That(await Virsh("net-dumpxml", definition.Name), Does.Contain($"<host mac='52:54:00:0a:0b:0c' ip='{prefix}.10'/>"));

        // libvirt refuses a second entry with the same MAC or address, and deleting one it does not have.
        var sameIp = await Assert.ThrowsAsync<LibvirtOperationInvalidException>(() => network.AddDhcpHostAsync(new DhcpHost("52:54:00:0a:0b:0d", $"{prefix}.10"), NetworkModification.Live));
        Assert.That(sameIp!.Function, Is.EqualTo("virNetworkUpdate"));
        await Assert.ThrowsAsync<LibvirtOperationInvalidException>(() => network.RemoveDhcpHostAsync(new DhcpHost("52:54:00:0a:0b:0d", $"{prefix}.11"), NetworkModification.Live));

        // Live only, then config only: the scopes are separate.
        await network.RemoveDhcpHostAsync(host, NetworkModification.Live);
        Assert.That((await network.DescribeAsync(inactive: false)).Hosts, Is.Empty);
        Assert.That((await network.DescribeAsync(inactive: true)).Hosts, Is.EqualTo(new[] { host }));
        await network.RemoveDhcpHostAsync(host, NetworkModification.Config);
        Assert.That((await network.DescribeAsync(inactive: true)).Hosts, Is.Empty);

        await network.DestroyAsync();
        Assert.That(await network.IsActiveAsync(), Is.False);
        Assert.That((await ChildProcess.RunAsync("ip", ["link", "show", definition.Bridge], TimeSpan.FromSeconds(10))).ExitCode, Is.Not.Zero, "destroy deletes the bridge");
        await network.UndefineAsync();
        var gone = await Assert.ThrowsAsync<LibvirtNetworkNotFoundException>(() => Connection.GetNetworkAsync(definition.Name));
        Assert.That(gone!.Code, Is.EqualTo(LibvirtErrorCode.NoNetwork));
        Assert.That(await Connection.FindNetworkAsync(definition.Name), Is.Null);
    }

    [Test]
    public async Task Definition_with_reservations_serves_them_from_the_start()
    {
        var (definition, prefix) = await ThrowawayAsync();
        definition = definition with { Hosts = [new DhcpHost("52:54:00:01:02:03", $"{prefix}.20"), new DhcpHost("52:54:00:01:02:04", $"{prefix}.21")] };
        using var network = await Connection.DefineNetworkAsync(definition);
        OnCleanUp(() => RemoveAsync(definition.Name));
        await network.StartAsync();
        Assert.That((await network.DescribeAsync(inactive: false)).Hosts, Is.EqualTo(definition.Hosts));
        // The environment's own network is there too, named like its bridge.
        using var environment = await Connection.GetNetworkAsync(Bridge);
        Assert.That((await environment.DescribeAsync(inactive: false)).Bridge, Is.EqualTo(Bridge));
    }

    /// <summary>A network definition on a new bridge with an unrouted /24; returns it and the subnet's first three octets.</summary>
    private static async Task<(NetworkDefinition Definition, string Prefix)> ThrowawayAsync()
    {
        var routes = await ChildProcess.OutputOfAsync("ip", "-4", "route", "show");
        var third = Enumerable.Range(0, 256).OrderBy(_ => Random.Shared.Next()).First(n => !routes.Contains($"198.19.{n}.0/24", StringComparison.Ordinal));
        var suffix = Guid.NewGuid().ToString("N")[..8];
        return (new NetworkDefinition { Name = "itest-net-" + suffix, Bridge = "plt" + suffix, Gateway = $"198.19.{third}.1", PrefixLength = 24 }, $"198.19.{third}");
    }

    private async Task RemoveAsync(string name)
    {
        using var network = await Connection.FindNetworkAsync(name);
        if (network is null)
        {
            return;
        }
        if (await network.IsActiveAsync())
        {
            await network.DestroyAsync();
        }
        await network.UndefineAsync();
    }

    private Task<string> Virsh(params string[] arguments) => ChildProcess.OutputOfAsync("virsh", ["-c", LibvirtUri, .. arguments]);
}

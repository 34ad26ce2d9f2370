using System.Xml.Linq;
using Grpc.Core;
using Platform.Contracts.Agent.V1;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Agent;

/// <summary>
/// DomainService keeps the DHCP reservations of the bridge's libvirt network in step with the
/// NICs: define-and-start, attach, detach and undefine through the agent, repeated with the same
/// and with new operation ids, checked in the running network and its persistent config with
/// virsh. The guests are OS-less (nothing asks for a lease); the tiny guest's lease is checked
/// through REST in GuestDhcpTests.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DomainDhcpTests : DomainTestBase
{
    [Test]
    public async Task Reservations_follow_the_nics_and_repeats_change_nothing()
    {
        var name = NewInstanceId();
        var (mac1, ip1) = (NewMac(), FreeAddress(0));
        var (mac2, ip2) = (NewMac(), FreeAddress(1));
        var boot = await BlankImageAsync($"volumes/{name}-boot");
        UndefineAfterwards(name);
        OnCleanUp(() => DropReservationsAsync(mac1, mac2));
        var define = new DefineAndStartDomainRequest
        {
            OperationId = NewOperationId(),
            Name = name,
            Uuid = Guid.NewGuid().ToString(),
            Vcpus = 1,
            MemoryMib = 64,
            BootDisk = new RbdDisk { Image = boot, Target = "vda" },
            Nics = { new Nic { Mac = mac1, Ip = ip1 } },
        };
        await Domains.DefineAndStartDomainAsync(define, deadline: Deadline());
        await Domains.DefineAndStartDomainAsync(define, deadline: Deadline());
        Assert.That(await CountAsync(mac1, ip1), Is.EqualTo((1, 1)), "reserved once, live and persistent, before the start");

        // Attach, repeated with its id (answered from the journal) and with a new one (converges).
        var attach = new AttachNicRequest { OperationId = NewOperationId(), Domain = name, Nic = new Nic { Mac = mac2, Ip = ip2 } };
        await Domains.AttachNicAsync(attach, deadline: Deadline());
        await Domains.AttachNicAsync(attach, deadline: Deadline());
        await Domains.AttachNicAsync(new AttachNicRequest(attach) { OperationId = NewOperationId() }, deadline: Deadline());
        Assert.That(await CountAsync(mac2, ip2), Is.EqualTo((1, 1)));

        // An OS-less guest never releases a hot-plugged NIC: powered off, the detach is of the config.
        await Domains.PowerOffDomainAsync(new PowerOffDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline());
        Assert.That(await CountAsync(mac2, ip2), Is.EqualTo((1, 1)), "a stopped domain keeps its addresses");
        var detach = new DetachNicRequest { OperationId = NewOperationId(), Domain = name, Mac = mac2 };
        await Domains.DetachNicAsync(detach, deadline: Deadline());
        await Domains.DetachNicAsync(detach, deadline: Deadline());
        Assert.That(await CountAsync(mac2, ip2), Is.EqualTo((0, 0)));
        var again = await Assert.ThrowsAsync<RpcException>(async () => await Domains.DetachNicAsync(new DetachNicRequest(detach) { OperationId = NewOperationId() }, deadline: Deadline()));
        Assert.That(again!.StatusCode, Is.EqualTo(StatusCode.NotFound));

        await Domains.UndefineDomainAsync(new UndefineDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline());
        Assert.That(await CountAsync(mac1, ip1), Is.EqualTo((0, 0)), "undefine releases the domain's addresses");
    }

    [Test]
    public async Task Stale_reservations_are_replaced_and_foreign_addresses_refused()
    {
        var name = NewInstanceId();
        await StartOsLessGuestAsync(name);
        var (stale, mac, ip) = (NewMac(), NewMac(), FreeAddress(2));
        OnCleanUp(() => DropReservationsAsync(stale, mac));
        // Left by a NIC the controller has since deleted: same address, another MAC.
        await Virsh("net-update", Bridge, "add-last", "ip-dhcp-host", $"<host mac='{stale}' ip='{ip}'/>", "--live", "--config");

        await Domains.AttachNicAsync(new AttachNicRequest { OperationId = NewOperationId(), Domain = name, Nic = new Nic { Mac = mac, Ip = ip } }, deadline: Deadline());
        Assert.That(await CountAsync(mac, ip), Is.EqualTo((1, 1)));
        Assert.That(await CountAsync(stale, ip), Is.EqualTo((0, 0)));

        // An address outside the network: refused before the NIC reaches the domain.
        var outside = NewMac();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Domains.AttachNicAsync(
            new AttachNicRequest { OperationId = NewOperationId(), Domain = name, Nic = new Nic { Mac = outside, Ip = "192.0.2.10" } }, deadline: Deadline()));
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition), error.Status.Detail);
        Assert.That(await LiveXmlAsync(name), Does.Not.Contain(outside));

        var invalid = await Assert.ThrowsAsync<RpcException>(async () => await Domains.AttachNicAsync(
            new AttachNicRequest { OperationId = NewOperationId(), Domain = name, Nic = new Nic { Mac = NewMac(), Ip = "10.0.0.1'/><host" } }, deadline: Deadline()));
        Assert.That(invalid!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
    }

    /// <summary>An address of the environment's network far above what controller fixtures allocate first.</summary>
    private static string FreeAddress(int index)
    {
        var cidr = TestEnvironment.Require("libvirt")["PLATFORM_NETWORK_CIDR"];
        return $"{cidr[..cidr.LastIndexOf('.')]}.{240 + index}";
    }

    /// <summary>How many reservations of this MAC and address the running network and its persistent config hold.</summary>
    private async Task<(int Live, int Persistent)> CountAsync(string mac, string ip)
    {
        static int Count(string xml, string mac, string ip) => XElement.Parse(xml).Elements("ip").Elements("dhcp").Elements("host")
            .Count(h => string.Equals((string?)h.Attribute("mac"), mac, StringComparison.OrdinalIgnoreCase) && (string?)h.Attribute("ip") == ip);
        return (Count(await Virsh("net-dumpxml", Bridge), mac, ip), Count(await Virsh("net-dumpxml", "--inactive", Bridge), mac, ip));
    }

    private async Task DropReservationsAsync(params string[] macs)
    {
        foreach (var inactive in new[] { false, true })
        {
            var xml = XElement.Parse(inactive ? await Virsh("net-dumpxml", "--inactive", Bridge) : await Virsh("net-dumpxml", Bridge));
            foreach (var host in xml.Elements("ip").Elements("dhcp").Elements("host").Where(h => macs.Contains((string?)h.Attribute("mac"), StringComparer.OrdinalIgnoreCase)))
            {
                await Virsh("net-update", Bridge, "delete", "ip-dhcp-host", host.ToString(SaveOptions.DisableFormatting), inactive ? "--config" : "--live");
            }
        }
    }
}

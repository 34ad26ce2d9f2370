using System.Text.RegularExpressions;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Platform.Tests.Integration.Agent;

/// <summary>
/// Mutations of one domain sent at the same time (different operation ids): the agent runs them
/// one after another, so each gets the answer it would get alone — OK, ALREADY_EXISTS or
/// FAILED_PRECONDITION, never INTERNAL — and libvirt ends with exactly the devices asked for.
/// </summary>
public partial class DomainConcurrencyTests : DomainTestBase
{
    private const int Callers = 6;

    private static readonly StatusCode[] ProperCodes = [StatusCode.OK, StatusCode.AlreadyExists, StatusCode.FailedPrecondition];

    [Test]
    public async Task Concurrent_attaches_of_different_images_to_one_target_plug_exactly_one_and_refuse_the_rest()
    {
        var name = NewInstanceId();
        var images = new List<string>();
        for (var i = 0; i < Callers; i++)
        {
            images.Add(await BlankImageAsync($"volumes/{name}-data{i}"));
        }
        await StartOsLessGuestAsync(name);

        var codes = await Task.WhenAll(images.Select(image => CodeOf(async () => await Domains.AttachDiskAsync(
            new AttachDiskRequest { OperationId = NewOperationId(), Domain = name, Disk = new RbdDisk { Image = image, Target = "vdb" } }, deadline: Deadline()))));

        var live = await LiveXmlAsync(name);
        var persistent = await Virsh("dumpxml", "--inactive", name);
        Assert.Multiple(() =>
        {
            Assert.That(codes, Is.All.AnyOf(ProperCodes), () => "answers: " + string.Join(", ", codes));
            Assert.That(codes.Count(c => c == StatusCode.OK), Is.EqualTo(1), () => "one winner: " + string.Join(", ", codes));
            Assert.That(codes.Count(c => c == StatusCode.AlreadyExists), Is.EqualTo(Callers - 1), () => "the rest find vdb taken: " + string.Join(", ", codes));
            Assert.That(TargetVdb().Matches(live), Has.Count.EqualTo(1), "one vdb in the live domain");
            Assert.That(TargetVdb().Matches(persistent), Has.Count.EqualTo(1), "one vdb in the persistent definition");
            Assert.That(images.Count(i => live.Contains(i.Split('/')[1] + "'", StringComparison.Ordinal)), Is.EqualTo(1), "backed by one of the images");
        });
        await PowerOffAsync(name);
    }

    [Test]
    public async Task Concurrent_attaches_of_the_same_disk_and_of_distinct_nics_all_succeed_with_one_device_each()
    {
        var name = NewInstanceId();
        var data = await BlankImageAsync($"volumes/{name}-data");
        await StartOsLessGuestAsync(name);
        var macs = Enumerable.Range(0, Callers).Select(_ => NewMac()).ToList();

        var disks = Enumerable.Range(0, Callers).Select(_ => CodeOf(async () => await Domains.AttachDiskAsync(
            new AttachDiskRequest { OperationId = NewOperationId(), Domain = name, Disk = new RbdDisk { Image = data, Target = "vdc" } }, deadline: Deadline())));
        var nics = macs.Select(mac => CodeOf(async () => await Domains.AttachNicAsync(
            new AttachNicRequest { OperationId = NewOperationId(), Domain = name, Nic = new Nic { Mac = mac, Bridge = Bridge } }, deadline: Deadline())));
        var codes = await Task.WhenAll(disks.Concat(nics));

        var live = await LiveXmlAsync(name);
        var persistent = await Virsh("dumpxml", "--inactive", name);
        Assert.Multiple(() =>
        {
            Assert.That(codes, Is.All.EqualTo(StatusCode.OK), () => "answers: " + string.Join(", ", codes));
            Assert.That(TargetVdc().Matches(live), Has.Count.EqualTo(1), "one vdc in the live domain");
            Assert.That(TargetVdc().Matches(persistent), Has.Count.EqualTo(1), "one vdc in the persistent definition");
            foreach (var mac in macs)
            {
                Assert.That(Regex.Matches(live, $"<mac address='{mac}'/>"), Has.Count.EqualTo(1), $"NIC {mac} live once");
                Assert.That(Regex.Matches(persistent, $"<mac address='{mac}'/>"), Has.Count.EqualTo(1), $"NIC {mac} persistent once");
            }
            Assert.That(InterfaceElement().Matches(live), Has.Count.EqualTo(Callers), "no other NIC");
        });
        await PowerOffAsync(name);
    }

    [Test]
    public async Task Concurrent_power_offs_and_attaches_each_answer_a_proper_status()
    {
        var name = NewInstanceId();
        var data = await BlankImageAsync($"volumes/{name}-data");
        await StartOsLessGuestAsync(name);

        var codes = await Task.WhenAll(
            CodeOf(async () => await Domains.AttachDiskAsync(new AttachDiskRequest { OperationId = NewOperationId(), Domain = name, Disk = new RbdDisk { Image = data, Target = "vdb" } }, deadline: Deadline())),
            CodeOf(async () => await Domains.PowerOffDomainAsync(new PowerOffDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline())),
            CodeOf(async () => await Domains.PowerOffDomainAsync(new PowerOffDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline())),
            CodeOf(async () => await Domains.AttachNicAsync(new AttachNicRequest { OperationId = NewOperationId(), Domain = name, Nic = new Nic { Mac = NewMac(), Bridge = Bridge } }, deadline: Deadline())));

        Assert.That(codes, Is.All.AnyOf(ProperCodes), () => "answers: " + string.Join(", ", codes));
        Assert.That(codes[1..3], Is.All.EqualTo(StatusCode.OK), "powering off twice is fine");
        Assert.That(await DomainStateAsync(name), Is.EqualTo("shut off"));
    }

    private async Task PowerOffAsync(string name) =>
        await Domains.PowerOffDomainAsync(new PowerOffDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline());

    private static async Task<StatusCode> CodeOf(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            TestContext.Out.WriteLine($"{e.StatusCode}: {e.Status.Detail}");
            return e.StatusCode;
        }
    }

    [GeneratedRegex("<target dev='vdb'")]
    private static partial Regex TargetVdb();

    [GeneratedRegex("<target dev='vdc'")]
    private static partial Regex TargetVdc();

    [GeneratedRegex("<interface type=")]
    private static partial Regex InterfaceElement();
}

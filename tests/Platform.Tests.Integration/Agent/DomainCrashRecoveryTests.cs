using System.Text.RegularExpressions;
using Platform.Contracts.Agent.V1;

namespace Platform.Tests.Integration.Agent;

/// <summary>
/// An agent killed right after a hot-plug: the controller's retry with the same operation id
/// must get the first answer and must not plug a second disk.
/// </summary>
public partial class DomainCrashRecoveryTests : DomainTestBase
{
    [Test]
    public async Task Attach_repeated_after_the_agent_was_killed_answers_the_same_and_plugs_no_second_disk()
    {
        var name = NewInstanceId();
        var data = await BlankImageAsync($"volumes/{name}-data");
        await StartOsLessGuestAsync(name);
        var attach = new AttachDiskRequest { OperationId = NewOperationId(), Domain = name, Disk = new RbdDisk { Image = data, Target = "vdb" } };
        var first = await Domains.AttachDiskAsync(attach, deadline: Deadline());

        await KillAndRestartAgentAsync();
        var repeated = await Domains.AttachDiskAsync(attach, deadline: Deadline());

        var liveXml = await LiveXmlAsync(name);
        // qemu's own view, not libvirt's: the block devices of the running process.
        var qemuBlocks = await Virsh("qemu-monitor-command", name, """{"execute":"query-block"}""");
        Assert.Multiple(() =>
        {
            Assert.That(repeated, Is.EqualTo(first), "the first answer, replayed");
            Assert.That(TargetVdb().Matches(liveXml), Has.Count.EqualTo(1), "one vdb in the live domain");
            Assert.That(QemuVdbDevice().Matches(qemuBlocks), Has.Count.EqualTo(1), () => "qemu has one vdb device: " + qemuBlocks);
            Assert.That(qemuBlocks, Does.Contain(data.Split('/')[1]), "backed by the data image");
        });

        await Domains.PowerOffDomainAsync(new PowerOffDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline());
    }

    [GeneratedRegex("<target dev='vdb'")]
    private static partial Regex TargetVdb();

    [GeneratedRegex("\"qdev\":\\s*\"[^\"]*ua-disk-vdb")]
    private static partial Regex QemuVdbDevice();
}

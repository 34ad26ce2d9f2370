using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Platform.Tests.Integration.Agent;

/// <summary>
/// A guest with nothing to boot (a blank RBD boot disk: SeaBIOS idles): it ignores the ACPI
/// power button and never releases a hot-plugged device. The agent must say so, not pretend.
/// </summary>
public class DomainUncooperativeGuestTests : DomainTestBase
{
    protected override TimeSpan DetachTimeout => TimeSpan.FromSeconds(4);

    [Test]
    public async Task Ignored_shutdown_is_deadline_exceeded_and_unreleased_disk_is_failed_precondition()
    {
        var name = NewInstanceId();
        var data = await BlankImageAsync($"volumes/{name}-data");
        await StartOsLessGuestAsync(name);
        await Task.Delay(TimeSpan.FromSeconds(2)); // past qemu's start-up

        var shutdown = Assert.ThrowsAsync<RpcException>(async () =>
            await Domains.ShutdownDomainAsync(new ShutdownDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline(6)));
        Assert.Multiple(async () =>
        {
            Assert.That(shutdown!.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded));
            Assert.That(shutdown.Status.Detail, Does.Contain("did not shut down").And.Contain("still running"));
            Assert.That(await DomainStateAsync(name), Is.EqualTo("running"));
        });

        await Domains.AttachDiskAsync(new AttachDiskRequest { OperationId = NewOperationId(), Domain = name, Disk = new RbdDisk { Image = data, Target = "vdb" } }, deadline: Deadline());
        var detach = Assert.ThrowsAsync<RpcException>(async () =>
            await Domains.DetachDiskAsync(new DetachDiskRequest { OperationId = NewOperationId(), Domain = name, Target = "vdb" }, deadline: Deadline()));
        Assert.Multiple(async () =>
        {
            Assert.That(detach!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
            Assert.That(detach.Status.Detail, Does.Contain("guest did not release disk vdb"));
            Assert.That(await LiveXmlAsync(name), Does.Contain(data), "still attached, as reported");
        });

        var off = await Domains.PowerOffDomainAsync(new PowerOffDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline());
        Assert.That(off.State, Is.EqualTo(DomainState.ShutOff));
        var undefine = new UndefineDomainRequest { OperationId = NewOperationId(), Name = name };
        Assert.That((await Domains.UndefineDomainAsync(undefine, deadline: Deadline())).Existed, Is.True);
        Assert.That(await DomainExistsAsync(name), Is.False);

        // Through the operation journal: the same operation answers as the first time, a new one sees the domain gone.
        Assert.Multiple(async () =>
        {
            Assert.That((await Domains.UndefineDomainAsync(undefine, deadline: Deadline())).Existed, Is.True, "replayed");
            Assert.That((await Domains.UndefineDomainAsync(new UndefineDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline())).Existed, Is.False);
            var reused = Assert.ThrowsAsync<RpcException>(async () =>
                await Domains.UndefineDomainAsync(new UndefineDomainRequest { OperationId = undefine.OperationId, Name = NewInstanceId() }, deadline: Deadline()));
            Assert.That(reused!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition), "an operation id reused for another request");
        });
    }
}

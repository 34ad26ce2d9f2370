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

        var shutdown = await Assert.ThrowsAsync<RpcException>(async () =>
            await Domains.ShutdownDomainAsync(new ShutdownDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline(6)));
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(shutdown!.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded));
            Assert.That(shutdown.Status.Detail, Does.Contain("did not shut down").And.Contain("still running"));
            Assert.That(await DomainStateAsync(name), Is.EqualTo("running"));
        });

        await Domains.AttachDiskAsync(new AttachDiskRequest { OperationId = NewOperationId(), Domain = name, Disk = new RbdDisk { Image = data, Target = "vdb" } }, deadline: Deadline());
        var detach = await Assert.ThrowsAsync<RpcException>(async () =>
            await Domains.DetachDiskAsync(new DetachDiskRequest { OperationId = NewOperationId(), Domain = name, Target = "vdb" }, deadline: Deadline()));
        await Assert.MultipleAsync(async () =>
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
        await Assert.MultipleAsync(async () =>
        {
            Assert.That((await Domains.UndefineDomainAsync(undefine, deadline: Deadline())).Existed, Is.True, "replayed");
            Assert.That((await Domains.UndefineDomainAsync(new UndefineDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline())).Existed, Is.False);
            var reused = await Assert.ThrowsAsync<RpcException>(async () =>
                await Domains.UndefineDomainAsync(new UndefineDomainRequest { OperationId = undefine.OperationId, Name = NewInstanceId() }, deadline: Deadline()));
            Assert.That(reused!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition), "an operation id reused for another request");
        });
    }
}

/// <summary>
/// A paused guest cannot react to anything: shutdown and unplug fail at once with the reason
/// (DOMAIN_NOT_RUNNING) instead of waiting for it, and the domain reports why it is paused.
/// </summary>
public class DomainPausedGuestTests : DomainTestBase
{
    [Test]
    public async Task Shutdown_and_unplug_of_a_paused_guest_fail_at_once_with_the_reason()
    {
        var name = NewInstanceId();
        var data = await BlankImageAsync($"volumes/{name}-data");
        await StartOsLessGuestAsync(name);
        await Domains.AttachDiskAsync(new AttachDiskRequest { OperationId = NewOperationId(), Domain = name, Disk = new RbdDisk { Image = data, Target = "vdb" } }, deadline: Deadline());
        await Virsh("suspend", name);

        var domain = await Domains.GetDomainAsync(new GetDomainRequest { Name = name }, deadline: Deadline());
        Assert.That((domain.State, domain.StateReason), Is.EqualTo((DomainState.Paused, "paused on user request")));
        Assert.That(domain.PersistentDisks.Select(d => d.Image), Does.Contain(data), "the persistent definition is reported too");

        // Deadlines far shorter than a detach or shutdown wait: only an answer at once fits in them.
        var shutdown = await Assert.ThrowsAsync<RpcException>(async () =>
            await Domains.ShutdownDomainAsync(new ShutdownDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline(3)));
        var detach = await Assert.ThrowsAsync<RpcException>(async () =>
            await Domains.DetachDiskAsync(new DetachDiskRequest { OperationId = NewOperationId(), Domain = name, Target = "vdb" }, deadline: Deadline(3)));
        foreach (var refused in new[] { shutdown!, detach! })
        {
            Assert.That(refused.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition), refused.Status.Detail);
            Assert.That(refused.Status.Detail, Does.Contain("paused on user request").And.Contain("power it off"));
            Assert.That(refused.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason, Is.EqualTo(nameof(DomainErrorReason.DomainNotRunning)));
        }
        Assert.That(await LiveXmlAsync(name), Does.Contain(data), "nothing was detached");
        Assert.That(await DomainStateAsync(name), Is.EqualTo("paused"));

        var off = await Domains.PowerOffDomainAsync(new PowerOffDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline());
        Assert.That(off.State, Is.EqualTo(DomainState.ShutOff), "power off is the way out");
        await Domains.UndefineDomainAsync(new UndefineDomainRequest { OperationId = NewOperationId(), Name = name }, deadline: Deadline());
    }
}

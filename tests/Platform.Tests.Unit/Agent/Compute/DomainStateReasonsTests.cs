using Platform.Agent.Compute;
using Platform.Agent.Compute.Libvirt;
using Platform.Controller.Instances;
using ProtoState = Platform.Contracts.Agent.V1.DomainState;

namespace Platform.Tests.Unit.Agent.Compute;

public class DomainStateReasonsTests
{
    // virDomainState values: 1 running, 3 paused, 5 shut off, 6 crashed, 7 pmsuspended.
    [TestCase(3, 5, "paused due to a disk I/O error")]
    [TestCase(3, 10, "paused due to a guest crash or an emulation failure")]
    [TestCase(3, 1, "paused on user request")]
    [TestCase(3, 99, "paused (reason 99)")]
    [TestCase(6, 1, "crashed: the guest panicked")]
    [TestCase(5, 3, "shut off after a crash")]
    [TestCase(1, 1, "")]
    public void Libvirts_reason_reads_as_words(int state, int reason, string words) =>
        Assert.That(DomainStateReasons.Describe((DomainState)state, reason), Is.EqualTo(words));

    [Test]
    public void Only_a_running_guest_can_react()
    {
        Assert.That(new[] { DomainState.Paused, DomainState.Crashed, DomainState.PMSuspended }.All(DomainStateReasons.CannotReact));
        Assert.That(new[] { DomainState.Running, DomainState.Blocked, DomainState.ShuttingDown, DomainState.ShutOff }.Any(DomainStateReasons.CannotReact), Is.False);
    }

    [TestCase(5, 3, ProtoState.Crashed)]
    [TestCase(5, 1, ProtoState.ShutOff)]
    [TestCase(3, 5, ProtoState.Paused)]
    [TestCase(7, 0, ProtoState.Paused)]
    public void A_domain_off_after_a_crash_is_crashed(int state, int reason, ProtoState expected) =>
        Assert.That(DomainMapping.ToProto(new DomainStateInfo((DomainState)state, reason)), Is.EqualTo(expected));

    [TestCase(ProtoState.Running, "running")]
    [TestCase(ProtoState.ShuttingDown, "running")]
    [TestCase(ProtoState.Paused, "paused")]
    [TestCase(ProtoState.Crashed, "crashed")]
    [TestCase(ProtoState.ShutOff, "stopped")]
    [TestCase(ProtoState.Unspecified, null)]
    public void An_instance_shows_what_its_host_reports_and_paused_is_never_running(ProtoState state, string? status) =>
        Assert.That(InstanceStatus.Of(state), Is.EqualTo(status));
}

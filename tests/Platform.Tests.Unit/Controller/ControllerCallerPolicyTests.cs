using Platform.Contracts.Controller.V1;
using Platform.Controller.Grpc;
using Platform.Rpc.Identity;

namespace Platform.Tests.Unit.Controller;

/// <summary>The HostRegistry admits agents, each for the host its certificate names.</summary>
public class ControllerCallerPolicyTests
{
    private const string Register = "/platform.controller.v1.HostRegistry/RegisterHost";
    private const string Heartbeat = "/platform.controller.v1.HostRegistry/Heartbeat";
    private readonly ControllerCallerPolicy _policy = new();

    [Test]
    public void An_agent_registers_and_heartbeats_its_own_host()
    {
        var agent = PlatformIdentity.ForAgent("host-a");
        Assert.Multiple(() =>
        {
            Assert.That(_policy.Refusal(Register, agent, new RegisterHostRequest { HostId = "host-a" }), Is.Null);
            Assert.That(_policy.Refusal(Heartbeat, agent, new HeartbeatRequest { HostId = "host-a" }), Is.Null);
        });
    }

    [Test]
    public void An_agent_may_not_register_or_heartbeat_another_host()
    {
        var agent = PlatformIdentity.ForAgent("host-a");
        Assert.Multiple(() =>
        {
            Assert.That(_policy.Refusal(Register, agent, new RegisterHostRequest { HostId = "host-b" }), Does.Contain("is for host host-a, not host 'host-b'"));
            Assert.That(_policy.Refusal(Heartbeat, agent, new HeartbeatRequest { HostId = "host-b" }), Does.Contain("is for host host-a, not host 'host-b'"));
        });
    }

    [Test]
    public void An_operator_or_the_controller_may_not_register_a_host()
    {
        var request = new RegisterHostRequest { HostId = "rogue" };
        Assert.Multiple(() =>
        {
            Assert.That(_policy.Refusal(Register, PlatformIdentity.ForOperator("admin"), request), Does.Contain("not an agent"));
            Assert.That(_policy.Refusal(Register, PlatformIdentity.ForController(), request), Does.Contain("not an agent"));
            Assert.That(_policy.Refusal(Heartbeat, PlatformIdentity.ForOperator("admin"), new HeartbeatRequest { HostId = "rogue" }), Does.Contain("not an agent"));
        });
    }

    [TestCase("/grpc.health.v1.Health/Check")]
    [TestCase("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")]
    public void Health_and_reflection_are_open_to_every_identity(string method) =>
        Assert.That(_policy.Refusal(method, PlatformIdentity.ForOperator("admin"), request: null), Is.Null);

    [Test]
    public void Anything_else_is_refused() =>
        Assert.That(_policy.Refusal("/platform.controller.v1.Other/Do", PlatformIdentity.ForAgent("host-a"), request: null), Is.Not.Null);
}

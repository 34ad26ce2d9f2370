using System.Net.Security;
using Platform.Rpc.Identity;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// A certificate re-issued on disk (pki.sh renew) is used by the running daemons, on both sides
/// of mutual TLS and on the controller's REST endpoint, without a restart: the next TLS
/// connection shows the new serial number.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GrpcCertificateReloadTests : ControllerTestBase
{
    private static readonly TimeSpan Pickup = TimeSpan.FromSeconds(15);

    [Test]
    public async Task The_agent_serves_and_presents_its_reissued_certificate_without_a_restart()
    {
        using var channels = new IdentityChannels(Certificates);
        var agentPid = Agent.Pid;
        var before = await channels.ServedSerialAsync(Agent.GrpcUrl, Certificates.Controller);
        var reissued = Reissue(Certificates.AgentFor(HostId), "agent-" + HostId, "platform-agent", PlatformIdentity.ForAgent(HostId));

        await Eventually.HoldsAsync(async () => await channels.ServedSerialAsync(Agent.GrpcUrl, Certificates.Controller) == reissued,
            Pickup, $"the agent serves certificate {reissued}");
        // Its registration client: a new connection (the restarted controller's) shows the new certificate.
        await KillAndRestartControllerAsync();
        await Eventually.HoldsAsync(() => Task.FromResult(Controller.Output.Contains($"(serial {reissued})", StringComparison.Ordinal)),
            Pickup, $"the agent calls the controller with certificate {reissued}");

        Assert.Multiple(() =>
        {
            Assert.That(reissued, Is.Not.EqualTo(before));
            Assert.That(Agent.Pid, Is.EqualTo(agentPid), "the agent was not restarted");
            Assert.That(Agent.Output, Does.Contain($"replaced by {reissued}"), "the reload is logged");
        });
    }

    [Test]
    public async Task The_controller_serves_and_presents_its_reissued_certificate_without_a_restart()
    {
        using var channels = new IdentityChannels(Certificates);
        var controllerPid = Controller.Pid;
        var before = await channels.ServedSerialAsync(Controller.GrpcUrl, Certificates.AgentFor(HostId));
        var restBefore = await channels.ServedSerialAsync(Controller.RestUrl, Certificates.Operator, SslApplicationProtocol.Http11);
        var reissued = Reissue(Certificates.Controller, "controller", "platform-controller", PlatformIdentity.ForController());

        await Eventually.HoldsAsync(async () => await channels.ServedSerialAsync(Controller.GrpcUrl, Certificates.AgentFor(HostId)) == reissued,
            Pickup, $"the controller serves certificate {reissued} on its gRPC endpoint");
        // The REST endpoint (the web console, platformctl) uses the same files: it must not keep the old certificate until a restart.
        await Eventually.HoldsAsync(async () => await channels.ServedSerialAsync(Controller.RestUrl, Certificates.Operator, SslApplicationProtocol.Http11) == reissued,
            Pickup, $"the controller serves certificate {reissued} on its REST endpoint");
        // Its agent client: a new connection (to the restarted agent) presents the new certificate.
        await HostAgent.KillAsync();
        await HostAgent.StartAgainAsync();
        await Eventually.HoldsAsync(async () => await HostStatusAsync(HostId) == "up", Pickup, "the restarted agent registered");
        await BlankImageAsync();

        Assert.Multiple(() =>
        {
            Assert.That(reissued, Is.Not.EqualTo(before));
            Assert.That(restBefore, Is.EqualTo(before), "REST served the controller certificate before");
            Assert.That(Controller.Pid, Is.EqualTo(controllerPid), "the controller was not restarted");
            Assert.That(Agent.Output, Does.Contain($"(serial {reissued})"), "the controller's command came with the new certificate");
        });
    }

    /// <summary>What pki.sh renew does: a new key and certificate for the same identity, written over the old files.</summary>
    private string Reissue(PemFiles current, string fileStem, string commonName, PlatformIdentity identity)
    {
        var files = Certificates.Authority.IssuePeer(Certificates.Directory, fileStem, commonName, identity);
        Assert.That(files, Is.EqualTo(current), "written over the files the daemon was started with");
        using var certificate = files.Load();
        return certificate.SerialNumber;
    }
}

using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1;
using Platform.Contracts.Agent.V1;
using Platform.Contracts.Controller.V1;
using Platform.Rpc.Identity;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// Mutual TLS says a caller is of the platform; the role its certificate carries
/// (spiffe://platform/…) says what it may call. The real controller and agent of the fixture,
/// called with each kind of certificate pki.sh issues and some it must not.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GrpcIdentityTests : ControllerTestBase
{
    [Test]
    public async Task The_operator_certificate_cannot_register_a_rogue_host_nor_re_register_the_real_one()
    {
        using var channels = new IdentityChannels(Certificates);
        var registry = new HostRegistry.HostRegistryClient(channels.To(Controller.GrpcUrl, Certificates.Operator));
        var rogueId = "rogue-" + Guid.NewGuid().ToString("N")[..8];

        var rogue = await Assert.ThrowsAsync<RpcException>(() => registry.RegisterHostAsync(Registration(rogueId, "rogue")).ResponseAsync);
        var renamed = await Assert.ThrowsAsync<RpcException>(() => registry.RegisterHostAsync(Registration(HostId, "renamed")).ResponseAsync);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(rogue!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(rogue.Status.Detail, Does.Contain("spiffe://platform/operator/admin is not an agent"));
            Assert.That(renamed!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(await HostStatusAsync(rogueId), Is.Null, "no rogue host in /api/v1/hosts/list");
            Assert.That(await ScalarAsync<string>("SELECT hostname FROM hosts WHERE host_id = @id", ("id", HostId)), Is.Not.EqualTo("renamed"));
            Assert.That(await ScalarAsync<string>("SELECT grpc_endpoint FROM hosts WHERE host_id = @id", ("id", HostId)), Is.EqualTo(Agent.GrpcUrl));
        });
    }

    [Test]
    public async Task An_agent_certificate_for_one_host_cannot_register_or_heartbeat_another()
    {
        using var channels = new IdentityChannels(Certificates);
        var otherHost = "host-" + Guid.NewGuid().ToString("N")[..8];
        var registry = new HostRegistry.HostRegistryClient(channels.To(Controller.GrpcUrl, Certificates.AgentFor(otherHost)));

        var register = await Assert.ThrowsAsync<RpcException>(() => registry.RegisterHostAsync(Registration(HostId, "taken-over")).ResponseAsync);
        var heartbeat = await Assert.ThrowsAsync<RpcException>(() => registry.HeartbeatAsync(new HeartbeatRequest { HostId = HostId, MemoryFreeBytes = 1 }).ResponseAsync);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(register!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(register.Status.Detail, Does.Contain($"is for host {otherHost}, not host '{HostId}'"));
            Assert.That(heartbeat!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(await ScalarAsync<string>("SELECT grpc_endpoint FROM hosts WHERE host_id = @id", ("id", HostId)), Is.EqualTo(Agent.GrpcUrl));
        });
    }

    [Test]
    public async Task The_operator_certificate_cannot_call_a_mutating_agent_rpc()
    {
        using var channels = new IdentityChannels(Certificates);
        var rbd = new RbdService.RbdServiceClient(channels.To(Agent.GrpcUrl, Certificates.Operator));
        var name = Unique("operator-made");

        var refused = await Assert.ThrowsAsync<RpcException>(() => rbd.CreateImageAsync(
            new CreateImageRequest { OperationId = name, Pool = "volumes", Name = name, SizeBytes = 16 << 20 }).ResponseAsync);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(refused.Status.Detail, Does.Contain("/platform.agent.v1.RbdService/CreateImage refused").And.Contain("controller's only"));
            Assert.That(await RbdImageExistsAsync("volumes", name), Is.False, "the agent did nothing");
        });
    }

    [Test]
    public async Task The_operator_certificate_may_call_health_reflection_and_read_only_rpcs()
    {
        using var channels = new IdentityChannels(Certificates);
        var channel = channels.To(Agent.GrpcUrl, Certificates.Operator);

        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        using var reflection = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await reflection.RequestStream.CompleteAsync();
        Assert.That(await reflection.ResponseStream.MoveNext(CancellationToken.None), Is.True);
        var services = reflection.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        var images = await new RbdService.RbdServiceClient(channel).ListImagesAsync(new ListImagesRequest { Pool = "volumes" });
        var host = await new HostService.HostServiceClient(channel).GetHostInfoAsync(new GetHostInfoRequest());

        Assert.Multiple(() =>
        {
            Assert.That(health.Status, Is.EqualTo(HealthCheckResponse.Types.ServingStatus.Serving));
            Assert.That(services, Does.Contain("platform.agent.v1.RbdService"));
            Assert.That(images, Is.Not.Null);
            Assert.That(host.Hostname, Is.Not.Empty);
        });
    }

    [Test]
    public async Task Another_hosts_agent_certificate_cannot_call_the_agent()
    {
        using var channels = new IdentityChannels(Certificates);
        var host = new HostService.HostServiceClient(channels.To(Agent.GrpcUrl, Certificates.AgentFor("host-" + Guid.NewGuid().ToString("N")[..8])));

        var refused = await Assert.ThrowsAsync<RpcException>(() => host.GetHostInfoAsync(new GetHostInfoRequest()).ResponseAsync);

        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(refused.Status.Detail, Does.Contain("is not the controller"));
    }

    [Test]
    public async Task A_platform_certificate_without_a_role_is_refused_on_both_daemons()
    {
        using var channels = new IdentityChannels(Certificates);
        var roleless = Certificates.Authority.IssuePeer(Certificates.Directory, "roleless", "platform-controller", identity: null);

        var agentAnswer = await Assert.ThrowsAsync<RpcException>(() =>
            new HostService.HostServiceClient(channels.To(Agent.GrpcUrl, roleless)).GetHostInfoAsync(new GetHostInfoRequest()).ResponseAsync);
        var controllerAnswer = await Assert.ThrowsAsync<RpcException>(() =>
            new HostRegistry.HostRegistryClient(channels.To(Controller.GrpcUrl, roleless)).HeartbeatAsync(new HeartbeatRequest { HostId = HostId }).ResponseAsync);

        Assert.Multiple(() =>
        {
            Assert.That(agentAnswer!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(agentAnswer.Status.Detail, Does.Contain("no spiffe://platform/"));
            Assert.That(controllerAnswer!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        });
    }

    [Test]
    public async Task A_leaf_without_extended_key_usage_is_refused_at_the_handshake()
    {
        using var channels = new IdentityChannels(Certificates);
        var controllerLike = Certificates.Authority.IssueWithoutExtendedKeyUsage(Certificates.Directory, "no-eku-controller", "platform-controller", PlatformIdentity.ForController());
        var agentLike = Certificates.Authority.IssueWithoutExtendedKeyUsage(Certificates.Directory, "no-eku-agent", "platform-agent", PlatformIdentity.ForAgent(HostId));

        var atAgent = await Assert.ThrowsAsync<RpcException>(() =>
            new HostService.HostServiceClient(channels.To(Agent.GrpcUrl, controllerLike)).GetHostInfoAsync(new GetHostInfoRequest()).ResponseAsync);
        var atController = await Assert.ThrowsAsync<RpcException>(() =>
            new HostRegistry.HostRegistryClient(channels.To(Controller.GrpcUrl, agentLike)).HeartbeatAsync(new HeartbeatRequest { HostId = HostId }).ResponseAsync);

        Assert.Multiple(() =>
        {
            // No status from a handler: the connection never got past TLS.
            Assert.That(atAgent!.StatusCode, Is.EqualTo(StatusCode.Unavailable), atAgent.Status.Detail);
            Assert.That(atController!.StatusCode, Is.EqualTo(StatusCode.Unavailable), atController.Status.Detail);
        });
    }

    [Test]
    public async Task A_client_that_means_another_peer_is_refused_at_the_handshake_saying_whose_certificate_it_got()
    {
        using var channels = new IdentityChannels(Certificates);
        var otherHost = "host-" + Guid.NewGuid().ToString("N")[..8];
        var meant = new HostService.HostServiceClient(channels.To(Agent.GrpcUrl, Certificates.Controller, PlatformIdentity.ForAgent(HostId)));
        var otherAgent = new HostService.HostServiceClient(channels.To(Agent.GrpcUrl, Certificates.Controller, PlatformIdentity.ForAgent(otherHost)));
        // What an agent registering with a controller URL that leads to an agent gets.
        var notController = new HostRegistry.HostRegistryClient(channels.To(Agent.GrpcUrl, Certificates.AgentFor(HostId), PlatformIdentity.ForController()));

        var answered = await meant.GetHostInfoAsync(new GetHostInfoRequest());
        var toOtherAgent = await Assert.ThrowsAsync<RpcException>(() => otherAgent.GetHostInfoAsync(new GetHostInfoRequest()).ResponseAsync);
        var toNotController = await Assert.ThrowsAsync<RpcException>(() => notController.HeartbeatAsync(new HeartbeatRequest { HostId = HostId }).ResponseAsync);

        Assert.Multiple(() =>
        {
            Assert.That(answered.Hostname, Is.Not.Empty, "the agent of the host meant answers");
            Assert.That(toOtherAgent!.StatusCode, Is.EqualTo(StatusCode.Unavailable), toOtherAgent.Status.Detail);
            Assert.That(toOtherAgent.Status.Detail, Does.Contain($"the server's certificate is spiffe://platform/agent/{HostId}, not spiffe://platform/agent/{otherHost}"));
            Assert.That(toNotController!.StatusCode, Is.EqualTo(StatusCode.Unavailable), toNotController.Status.Detail);
            Assert.That(toNotController.Status.Detail, Does.Contain($"the server's certificate is spiffe://platform/agent/{HostId}, not spiffe://platform/controller"));
        });
    }

    [Test]
    public async Task The_controller_does_not_call_the_agent_on_an_endpoint_another_host_registered()
    {
        using var channels = new IdentityChannels(Certificates);
        var impostor = "host-" + Guid.NewGuid().ToString("N")[..8];
        var registry = new HostRegistry.HostRegistryClient(channels.To(Controller.GrpcUrl, Certificates.AgentFor(impostor)));
        var registration = Registration(impostor, "impostor");
        // Its own host id (its certificate allows that) with the endpoint of the fixture's host.
        registration.GrpcEndpoint = Agent.GrpcUrl;
        try
        {
            await registry.RegisterHostAsync(registration);

            // The controller watches and reconciles every host that is up: each call to the impostor's host fails at the handshake.
            var refusal = $"the server's certificate is spiffe://platform/agent/{HostId}, not spiffe://platform/agent/{impostor}";
            await Eventually.HoldsAsync(() => Task.FromResult(Controller.Output.Contains(refusal, StringComparison.Ordinal)),
                TimeSpan.FromSeconds(15), "the controller refused the agent behind the impostor's endpoint");
            Assert.That(await HostStatusAsync(HostId), Is.EqualTo("up"), "the real host is still served");
        }
        finally
        {
            await ExecuteAsync("DELETE FROM hosts WHERE host_id = @id", ("id", impostor));
        }
    }

    private static RegisterHostRequest Registration(string hostId, string hostname) => new()
    {
        HostId = hostId,
        Hostname = hostname,
        GrpcEndpoint = "https://127.0.0.1:9",
        HostIp = "127.0.0.1",
        Cpus = 64,
        MemoryTotalBytes = 1UL << 40,
        MemoryFreeBytes = 1UL << 40,
        AgentVersion = "rogue",
    };
}

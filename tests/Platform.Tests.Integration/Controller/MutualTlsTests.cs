using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// Controller and agents admit each other only with certificates of the platform CA, in both
/// directions: a controller without the right client certificate reaches no agent, and an
/// agent without one never becomes a host. Every other controller test runs the good path.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MutualTlsTests : ControllerTestBase
{
    private const int AgentUnavailable = 50302;

    // The refused replicas below cannot reach the agent by design; their reconciliation would only add noise.
    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Reconciliation:Interval"] = "01:00:00" };

    [Test]
    public async Task The_host_registered_over_mutual_tls_and_its_agent_takes_commands()
    {
        var hosts = (await Api.GetAsync("/api/v1/hosts/list")).Ok();
        var endpoint = hosts.GetProperty("items").EnumerateArray()
            .Single(h => h.GetProperty("host_id").GetString() == HostId).GetProperty("grpc_endpoint").GetString();

        var imageCreated = await RbdImageExistsAsync("images", await BlankImageAsync());

        Assert.Multiple(() =>
        {
            Assert.That(Controller.GrpcUrl, Does.StartWith("https://"), "the registry serves TLS");
            Assert.That(endpoint, Does.StartWith("https://"), "the agent advertises its TLS endpoint");
            Assert.That(imageCreated, Is.True, "the controller's call reached the agent");
        });
    }

    [Test]
    public async Task A_controller_without_a_client_certificate_cannot_call_the_agent() =>
        await AssertControllerRefusedAsync(clientCertificate: null);

    [Test]
    public async Task A_controller_with_a_client_certificate_from_another_ca_cannot_call_the_agent() =>
        await AssertControllerRefusedAsync(Certificates.ForeignController);

    [Test]
    public async Task An_agent_without_a_client_certificate_cannot_register() =>
        await AssertAgentNeverRegistersAsync(
            (options, _) => options, hostId => Certificates.AgentFor(hostId), _ => null, "controller: Unavailable");

    [Test]
    public async Task An_agent_whose_certificate_is_from_another_ca_cannot_register() =>
        await AssertAgentNeverRegistersAsync(
            (options, _) => options, Certificates.ForeignAgentFor, Certificates.ForeignAgentFor, "controller: Unavailable");

    [Test]
    public async Task An_agent_whose_certificate_names_another_host_cannot_register()
    {
        var elsewhere = Certificates.AgentFor("host-" + Guid.NewGuid().ToString("N")[..8]);
        await AssertAgentNeverRegistersAsync((options, _) => options, _ => elsewhere, _ => elsewhere, "controller: PermissionDenied");
    }

    [Test]
    public async Task An_agent_advertising_an_h2c_endpoint_is_refused_even_with_a_platform_certificate() =>
        await AssertAgentNeverRegistersAsync(
            (options, _) => options with { ServerCertificate = null, ClientCertificateAuthority = null },
            hostId => Certificates.AgentFor(hostId), hostId => Certificates.AgentFor(hostId), "controller: FailedPrecondition");

    /// <summary>
    /// A second controller on the fixture's inventory, the same in all but the client certificate
    /// it presents to agents: its synchronous image create finds the agent unavailable, and no
    /// RBD image appears. The fixture's own controller then does the same successfully.
    /// </summary>
    private async Task AssertControllerRefusedAsync(PemFiles? clientCertificate)
    {
        var settings = new Dictionary<string, string>(ControllerSettings);
        settings.Remove("Agents:Tls:CertificatePath");
        settings.Remove("Agents:Tls:KeyPath");
        foreach (var (key, value) in Certificates.ControllerSettings(clientCertificate))
        {
            settings[key] = value;
        }
        await using var refused = await ControllerProcess.StartAsync(InventoryConnectionString, settings);
        using var refusedApi = new RestClient(refused.RestUrl, refused.Token);

        var name = Unique("refused");
        var answer = await refusedApi.PostAsync("/api/v1/images/create", new { image_name = name, image_size = 16 << 20, os_type = "Linux" });
        var imageId = await ScalarAsync<string>("SELECT image_id FROM images WHERE image_name = @name", ("name", name));
        if (imageId is not null)
        {
            OnCleanUp(() => RemoveRbdImageAsync("images", imageId));
        }

        Assert.That(answer.Code, Is.EqualTo(AgentUnavailable), answer.ToString);
        Assert.That(imageId, Is.Not.Null, "the record is written before the agent is called");
        var rbdImageMade = await RbdImageExistsAsync("images", imageId!);
        var status = await ScalarAsync<string>("SELECT status FROM images WHERE image_id = @id", ("id", imageId!));
        var platformControllerReachesAgent = await RbdImageExistsAsync("images", await BlankImageAsync());
        Assert.Multiple(() =>
        {
            Assert.That(rbdImageMade, Is.False, "the agent did nothing");
            Assert.That(status, Is.EqualTo("error"));
            Assert.That(platformControllerReachesAgent, Is.True, "the platform's own controller still reaches the agent");
        });
    }

    /// <summary>
    /// A second agent on the fixture's libvirtd and Ceph, as <see cref="StartHostAgentAsync"/>
    /// starts one but with the given certificates: its registration is refused with
    /// <paramref name="refusal"/> and the host never shows in /api/v1/hosts/list.
    /// </summary>
    private async Task AssertAgentNeverRegistersAsync(
        Func<AgentProcessOptions, string, AgentProcessOptions> adjust, Func<string, PemFiles> serverCertificate, Func<string, PemFiles?> clientCertificate, string refusal)
    {
        var hostId = "host-" + Guid.NewGuid().ToString("N")[..8];
        var workDirectory = Directory.CreateDirectory(Path.Combine(WorkDirectory, hostId)).FullName;
        var options = adjust(Certificates.AgentOptions(serverCertificate(hostId), clientCertificate(hostId), HostAgentEnvironment(hostId, LibvirtUri, Bridge, workDirectory)), hostId);
        await using var agent = await AgentProcess.StartAsync(options);

        // The outage line names the call and the cause: the host's own inventory was read, the controller said no.
        await Eventually.HoldsAsync(
            () => Task.FromResult(agent.Output.Contains("RegisterHost with the controller", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), $"agent {hostId} tried to register");

        var status = await HostStatusAsync(hostId);
        Assert.Multiple(() =>
        {
            Assert.That(agent.Output, Does.Contain(refusal), () => agent.Output);
            Assert.That(status, Is.Null, "the host is unknown to the controller");
        });
    }
}

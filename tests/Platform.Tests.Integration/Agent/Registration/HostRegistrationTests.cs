using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Agent.Registration;

/// <summary>
/// A real agent process registering with an in-process HostRegistry (the controller's side
/// played by <see cref="TestHostRegistry"/>, heartbeat interval 1 s): registration, heartbeats,
/// re-registration on NOT_FOUND, recovery after the registry was down, a clean stop. The agent
/// uses the test libvirtd (its inventory comes from libvirt); Ceph is pointed at nothing.
/// The tests run in order on one agent, each needing the registration the one before left in
/// place; the clean stop comes last whatever happened before it.
/// </summary>
[NonParallelizable]
public sealed class HostRegistrationTests
{
    private const string Service = "Platform.Agent.Registration.HostRegistrationService";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _hostId = "reg-test-" + Guid.NewGuid().ToString("N")[..12];
    private readonly CleanupSteps _cleanup = new();
    private RegistryTestServer _server = null!;
    private AgentProcess _agent = null!;
    private string _bridge = null!;

    private TestHostRegistry Registry => _server.Registry;

    [OneTimeSetUp]
    public async Task StartRegistryAndAgentAsync()
    {
        var libvirt = TestEnvironment.Require("libvirt");
        _bridge = libvirt["PLATFORM_BRIDGE"];
        _server = await RegistryTestServer.StartAsync(AgentProcess.FreeLoopbackPort(), new TestHostRegistry(heartbeatIntervalSeconds: 1));
        _cleanup.Push(async () => await _server.DisposeAsync());
        _agent = await AgentProcess.StartAsync(new AgentProcessOptions
        {
            Environment = new Dictionary<string, string>
            {
                ["PLATFORM_Compute__LibvirtUri"] = libvirt["PLATFORM_LIBVIRT_URI"],
                ["PLATFORM_Compute__Bridge"] = _bridge,
                ["PLATFORM_Registration__ControllerUrl"] = _server.Url,
                ["PLATFORM_Registration__HostId"] = _hostId,
                ["PLATFORM_Registration__HeartbeatTimeout"] = "00:00:01",
                // Every failed attempt as a debug line, to tell attempts from warnings.
                ["PLATFORM_Serilog__MinimumLevel__Override__Platform.Agent.Registration"] = "Debug",
            },
        });
        _cleanup.Push(async () => await _agent.DisposeAsync());
    }

    [OneTimeTearDown]
    public Task StopAsync() => _cleanup.RunAllAsync();

    [Test]
    public async Task Registers_with_its_host_id_endpoint_and_capacity()
    {
        await Eventually.HoldsAsync(() => Task.FromResult(Registry.RegistrationCount > 0), Patience, "agent registered");

        var registration = Registry.Registrations[0];
        Assert.Multiple(() =>
        {
            Assert.That(registration.HostId, Is.EqualTo(_hostId));
            Assert.That(registration.GrpcEndpoint, Is.EqualTo(_agent.GrpcUrl), "the agent's own Kestrel Grpc endpoint");
            Assert.That(registration.Hostname, Is.EqualTo(Environment.MachineName));
            Assert.That(IPAddress.TryParse(registration.HostIp, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork, Is.True, $"host ip {registration.HostIp}");
            Assert.That(registration.Cpus, Is.InRange(1u, 4096u));
            Assert.That(registration.MemoryTotalBytes, Is.GreaterThan(256UL << 20));
            Assert.That(registration.MemoryFreeBytes, Is.GreaterThan(0UL).And.LessThanOrEqualTo(registration.MemoryTotalBytes));
            Assert.That(registration.Bridges, Does.Contain(_bridge));
            Assert.That(registration.AgentVersion, Is.Not.Empty);
            // Decided before registering (Compute:DomainType auto): never an undecided host.
            Assert.That(registration.DomainType, Is.AnyOf("kvm", "qemu"));
            Assert.That(registration.DomainTypeReason, Is.Not.Empty);
        });
    }

    [Test, DependsOnTest(nameof(Registers_with_its_host_id_endpoint_and_capacity))]
    public async Task Heartbeats_at_the_interval_the_registry_answers()
    {
        await Eventually.HoldsAsync(() => Task.FromResult(Registry.RegistrationCount > 0), Patience, "agent registered");
        var before = Registry.HeartbeatCount;

        var took = await Eventually.HoldsAsync(() => Task.FromResult(Registry.HeartbeatCount >= before + 3), Patience, "three more heartbeats");

        var heartbeats = Registry.Heartbeats.Skip(before).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(heartbeats.Select(h => h.HostId), Is.All.EqualTo(_hostId));
            Assert.That(heartbeats.Select(h => h.MemoryFreeBytes), Is.All.GreaterThan(0UL));
            // 1 s apart: three take about 2–3 s, not a burst and not the 60 s clamp.
            Assert.That(took, Is.GreaterThan(TimeSpan.FromSeconds(1.5)).And.LessThan(TimeSpan.FromSeconds(10)));
        });
    }

    [Test, DependsOnTest(nameof(Heartbeats_at_the_interval_the_registry_answers))]
    public async Task Registers_again_when_a_heartbeat_is_answered_not_found()
    {
        await Eventually.HoldsAsync(() => Task.FromResult(Registry.HeartbeatCount > 0), Patience, "agent heartbeating");
        var registrations = Registry.RegistrationCount;
        var notFound = Registry.NotFoundAnswers;

        Registry.Forget(_hostId);

        await Eventually.HoldsAsync(() => Task.FromResult(Registry.RegistrationCount > registrations), Patience, "registered again after NOT_FOUND");
        var heartbeats = Registry.HeartbeatCount;
        await Eventually.HoldsAsync(() => Task.FromResult(Registry.HeartbeatCount > heartbeats), Patience, "heartbeating again");
        Assert.Multiple(() =>
        {
            Assert.That(Registry.NotFoundAnswers, Is.EqualTo(notFound + 1), "one NOT_FOUND, then a registration");
            Assert.That(Registry.Registrations[^1].HostId, Is.EqualTo(_hostId));
            Assert.That(Registry.Registrations[^1].GrpcEndpoint, Is.EqualTo(_agent.GrpcUrl));
        });
    }

    [Test, DependsOnTest(nameof(Registers_again_when_a_heartbeat_is_answered_not_found))]
    public async Task Recovers_when_the_registry_comes_back_after_an_outage()
    {
        await Eventually.HoldsAsync(() => Task.FromResult(Registry.HeartbeatCount > 0), Patience, "agent heartbeating");
        var mark = _agent.Output.Length;
        string Since() => _agent.Output[mark..];

        await _server.StopAsync();
        try
        {
            // Down long enough for several attempts (back-off 1 s, 2 s, …), checked from the agent's log.
            await Eventually.HoldsAsync(() => Task.FromResult(Lines(Since(), "[DBG]", "attempt failed").Count >= 3), Patience, "three failed attempts while the registry is down");
        }
        finally
        {
            await _server.StartAsync();
        }
        var heartbeats = Registry.HeartbeatCount;
        await Eventually.HoldsAsync(() => Task.FromResult(Registry.HeartbeatCount > heartbeats), TimeSpan.FromSeconds(60), "heartbeats after the registry came back");
        await Eventually.HoldsAsync(() => Task.FromResult(Lines(Since(), "[INF]", "again after").Count > 0), Patience, "recovery logged");

        var log = Since();
        await TestContext.Out.WriteLineAsync(log);
        Assert.Multiple(() =>
        {
            Assert.That(Lines(log, "[WRN]", "").Count, Is.EqualTo(1), $"one warning for the whole outage:\n{log}");
            Assert.That(Lines(log, "[WRN]", "")[0], Does.Contain("Unavailable"), log);
            Assert.That(Lines(log, "[INF]", "again after").Count, Is.EqualTo(1), log);
            Assert.That(log, Does.Not.Contain("Exception"), log);
        });
    }

    [Test, DependsOnTest(nameof(Recovers_when_the_registry_comes_back_after_an_outage))]
    public async Task A_registry_that_does_not_answer_meets_the_deadline_and_is_retried()
    {
        await Eventually.HoldsAsync(() => Task.FromResult(Registry.HeartbeatCount > 0), Patience, "agent heartbeating");
        var mark = _agent.Output.Length;
        string Since() => _agent.Output[mark..];

        Registry.Stalled = true;
        try
        {
            await Eventually.HoldsAsync(() => Task.FromResult(Lines(Since(), "[DBG]", "DeadlineExceeded").Count >= 2), Patience, "two heartbeats given up at their 1 s deadline");
        }
        finally
        {
            Registry.Stalled = false;
        }
        var heartbeats = Registry.HeartbeatCount;
        await Eventually.HoldsAsync(() => Task.FromResult(Registry.HeartbeatCount > heartbeats), TimeSpan.FromSeconds(60), "heartbeats answered again");
        await Eventually.HoldsAsync(() => Task.FromResult(Lines(Since(), "[INF]", "again after").Count > 0), Patience, "recovery logged");

        var log = Since();
        await TestContext.Out.WriteLineAsync(log);
        Assert.Multiple(() =>
        {
            Assert.That(Lines(log, "[WRN]", ""), Has.Count.EqualTo(1).And.All.Contain("DeadlineExceeded"), log);
            Assert.That(Lines(log, "[INF]", "again after"), Has.Count.EqualTo(1), log);
        });
    }

    [Test, DependsOnTest(nameof(A_registry_that_does_not_answer_meets_the_deadline_and_is_retried), AllowFailure = true)]
    public async Task Stops_cleanly_on_sigterm()
    {
        await Eventually.HoldsAsync(() => Task.FromResult(Registry.HeartbeatCount > 0), Patience, "agent heartbeating");
        var mark = _agent.Output.Length;

        var exitCode = await _agent.StopAsync();

        var log = _agent.Output[mark..];
        await TestContext.Out.WriteLineAsync(log);
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, log);
            Assert.That(Lines(log, "[INF]", "registration stopped").Count, Is.EqualTo(1), log);
            Assert.That(log, Does.Not.Contain("Exception").And.Not.Contain("[ERR]").And.Not.Contain("[FTL]"), log);
            Assert.That(Lines(log, "[WRN]", ""), Is.Empty, log);
        });
    }

    /// <summary>The registration service's log lines at <paramref name="level"/> containing <paramref name="text"/>.</summary>
    private static List<string> Lines(string output, string level, string text) =>
        output.Split('\n')
            .Where(line => line.Contains($"{level} {Service}:", StringComparison.Ordinal) && line.Contains(text, StringComparison.Ordinal))
            .ToList();
}

/// <summary>Without Registration:ControllerUrl the agent says once that registration is off, and runs as before.</summary>
public sealed class HostRegistrationDisabledTests
{
    [Test]
    public async Task An_empty_controller_url_turns_registration_off_with_one_line()
    {
        await using var agent = await AgentProcess.StartAsync();

        await Eventually.HoldsAsync(() => Task.FromResult(agent.Output.Contains("Host registration is off", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "registration-off line");
        Assert.Multiple(() =>
        {
            Assert.That(Regex.Count(agent.Output, "Host registration is off"), Is.EqualTo(1));
            Assert.That(agent.Output, Does.Not.Contain("Registering with the controller"));
        });
    }
}

/// <summary>The advertised endpoint's default: a wildcard host becomes the host's address.</summary>
public sealed class RegistrationOptionsTests
{
    [TestCase("http://0.0.0.0:7050", "10.0.0.5", "http://10.0.0.5:7050")]
    [TestCase("http://[::]:7050", "10.0.0.5", "http://10.0.0.5:7050")]
    [TestCase("https://*:7050/", "10.0.0.5", "https://10.0.0.5:7050/")]
    [TestCase("http://+:7050", "10.0.0.5", "http://10.0.0.5:7050")]
    [TestCase("http://[::]:7050", "fd00::5", "http://[fd00::5]:7050")]
    [TestCase("http://127.0.0.1:7050", "10.0.0.5", "http://127.0.0.1:7050")]
    [TestCase("http://[::1]:7050", "10.0.0.5", "http://[::1]:7050")]
    [TestCase("http://agent.example:7050", "10.0.0.5", "http://agent.example:7050")]
    [TestCase("http://0.0.0.0", "10.0.0.5", "http://10.0.0.5")]
    public void Wildcard_hosts_are_replaced_by_the_host_ip(string url, string hostIp, string expected) =>
        Assert.That(Platform.Agent.Registration.RegistrationOptions.ReplaceWildcardHost(url, hostIp), Is.EqualTo(expected));

    [Test]
    public void Defaults_come_from_the_machine_and_the_grpc_endpoint()
    {
        var options = new Platform.Agent.Registration.RegistrationOptions { ControllerUrl = " http://127.0.0.1:1 " };
        options.ResolveDefaults("http://0.0.0.0:7050");
        var machineId = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : "";
        Assert.Multiple(() =>
        {
            Assert.That(options.ControllerUrl, Is.EqualTo("http://127.0.0.1:1"));
            Assert.That(options.HostId, Is.EqualTo(machineId.Length > 0 ? machineId : Environment.MachineName));
            Assert.That(IPAddress.TryParse(options.HostIp, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork, Is.True, options.HostIp);
            Assert.That(options.AdvertisedEndpoint, Is.EqualTo($"http://{options.HostIp}:7050"));
            Assert.That(options.Enabled, Is.True);
        });
    }
}

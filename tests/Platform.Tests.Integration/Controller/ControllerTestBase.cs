using System.Text.Json;
using Npgsql;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// A private controller on its own fresh database in the test PostgreSQL, and a private agent
/// on the test libvirtd and Ceph that registers with it: the whole platform of one host,
/// driven through REST only and checked independently with SQL, virsh and rbd. Controller and
/// agents speak gRPC over mutual TLS with certificates of the fixture's own platform CA.
/// </summary>
public abstract partial class ControllerTestBase
{
    protected static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(150);
    protected const string ReadyMarker = "PLATFORM-GUEST-READY";

    private readonly CleanupSteps _cleanup = new();
    private ControllerProcess? _controller;
    private AgentProcess? _agent;
    private PlatformCertificates? _certificates;
    private PostgresAccess _postgres = null!;

    internal ComponentSettings Ceph { get; private set; } = null!;

    protected string LibvirtUri { get; private set; } = null!;

    protected string Bridge { get; private set; } = null!;

    /// <summary>The environment's guest network (libvirt.env): what the controller allocates from and the bridge's DHCP serves.</summary>
    internal ComponentSettings GuestNetwork { get; private set; } = null!;

    protected string DatabaseName { get; private set; } = null!;

    protected string HostId { get; private set; } = null!;

    /// <summary>Serial logs of the agent's domains, its journal.</summary>
    protected string WorkDirectory { get; private set; } = null!;

    internal RestClient Api { get; private set; } = null!;

    internal NpgsqlDataSource Database { get; private set; } = null!;

    /// <summary>The connection string a controller is given for this fixture's inventory database: the application role's, never the superuser's.</summary>
    protected string InventoryConnectionString => _postgres.Application(DatabaseName);

    /// <summary>The working directory of the fixture's agent (its driver disk, backup folder and transfer area are under it).</summary>
    internal string AgentDirectory => _agent?.Directory ?? throw new InvalidOperationException("no agent");

    /// <summary>The fixture's own agent (its gRPC endpoint serves mutual TLS with the fixture's certificates).</summary>
    internal AgentProcess Agent => _agent ?? throw new InvalidOperationException("no agent");

    internal ControllerProcess Controller => _controller ?? throw new InvalidOperationException("no controller");

    /// <summary>The fixture's own agent: to kill (as a crash would) and start again on the same ports.</summary>
    internal AgentProcess HostAgent => _agent ?? throw new InvalidOperationException("no agent");

    internal PlatformCertificates Certificates => _certificates ?? throw new InvalidOperationException("no certificates");

    /// <summary>Settings the controller starts with (mutual TLS; short heartbeats so host-down shows quickly).</summary>
    protected virtual IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(Certificates.ControllerSettings(Certificates.Controller))
        {
            ["Hosts:HeartbeatInterval"] = "00:00:01",
            ["Hosts:DownAfter"] = "00:00:06",
            ["Tasks:Lease"] = "00:00:06",
            ["Tasks:PollInterval"] = "00:00:01",
            ["Reconciliation:Interval"] = "00:00:02",
            // The addresses the bridge's DHCP service can hand out (libvirt.sh's network).
            ["Network:Cidr"] = GuestNetwork["PLATFORM_NETWORK_CIDR"],
            ["Network:Gateway"] = GuestNetwork["PLATFORM_NETWORK_GATEWAY"],
            ["Network:RangeStart"] = GuestNetwork["PLATFORM_NETWORK_RANGE_START"],
            ["Network:RangeEnd"] = GuestNetwork["PLATFORM_NETWORK_RANGE_END"],
        };

    /// <summary>The PostgreSQL the fixture's inventory database lives in (its postgres.env settings): the test environment's, unless a fixture brings its own.</summary>
    private protected virtual Task<ComponentSettings> StartPostgresAsync(ComponentSettings environmentPostgres) => Task.FromResult(environmentPostgres);

    /// <summary>Stops what <see cref="StartPostgresAsync"/> started; runs last, after the database is dropped.</summary>
    protected virtual Task StopPostgresAsync() => Task.CompletedTask;

    /// <summary>The Ceph cluster the fixture's agents use (its ceph.env settings): the test environment's, unless a fixture brings its own.</summary>
    private protected virtual Task<ComponentSettings> StartCephAsync(ComponentSettings environmentCeph) => Task.FromResult(environmentCeph);

    /// <summary>Stops what <see cref="StartCephAsync"/> started; runs after the agents have stopped.</summary>
    protected virtual Task StopCephAsync() => Task.CompletedTask;

    /// <summary>Settings of the fixture's agents beyond the host's own (PLATFORM_Section__Key = value).</summary>
    protected virtual IReadOnlyDictionary<string, string> AgentSettings => new Dictionary<string, string>();

    [OneTimeSetUp]
    public async Task StartPlatformAsync()
    {
        var postgres = TestEnvironment.Require("postgres");
        Ceph = await StartCephAsync(TestEnvironment.Require("ceph"));
        var libvirt = TestEnvironment.Require("libvirt");
        LibvirtUri = libvirt["PLATFORM_LIBVIRT_URI"];
        Bridge = libvirt["PLATFORM_BRIDGE"];
        GuestNetwork = libvirt;
        WorkDirectory = Directory.CreateDirectory(Path.Combine(TestEnvironment.StateDirectory, "tests", "controller-" + Guid.NewGuid().ToString("N")[..12])).FullName;

        _postgres = new PostgresAccess(await StartPostgresAsync(postgres));
        DatabaseName = "ctl_" + Guid.NewGuid().ToString("N")[..12];
        // Created by the superuser, owned by the application role the controller connects as.
        await _postgres.CreateDatabaseAsync(DatabaseName);
        // The tests' own checks see everything, whatever the controller's role may do.
        Database = NpgsqlDataSource.Create(_postgres.Admin(DatabaseName));
        _certificates = PlatformCertificates.Create();
        _controller = await ControllerProcess.StartAsync(InventoryConnectionString, ControllerSettings);
        Api = new RestClient(_controller.RestUrl, _controller.Token);

        HostId = "host-" + Guid.NewGuid().ToString("N")[..8];
        _agent = await StartHostAgentAsync(HostId, LibvirtUri, Bridge, WorkDirectory);
        await Eventually.HoldsAsync(async () => await HostStatusAsync(HostId) == "up", TimeSpan.FromSeconds(30), $"host {HostId} registered and up");
    }

    /// <summary>
    /// An agent for one simulated host: the given libvirtd and bridge, the test Ceph, its own
    /// journal and serial logs in <paramref name="workDirectory"/>, registering with the controller
    /// with its own certificate naming <paramref name="hostId"/>.
    /// </summary>
    internal async Task<AgentProcess> StartHostAgentAsync(string hostId, string libvirtUri, string bridge, string workDirectory) =>
        await AgentProcess.StartAsync(Certificates.AgentOptions(Certificates.AgentFor(hostId), Certificates.AgentFor(hostId), HostAgentEnvironment(hostId, libvirtUri, bridge, workDirectory)));

    /// <summary>The PLATFORM_* settings of a host's agent, TLS aside.</summary>
    internal Dictionary<string, string> HostAgentEnvironment(string hostId, string libvirtUri, string bridge, string workDirectory) =>
        new Dictionary<string, string>(AgentSettings)
        {
            ["PLATFORM_Compute__LibvirtUri"] = libvirtUri,
            ["PLATFORM_Compute__Bridge"] = bridge,
            ["PLATFORM_Compute__SerialLogDirectory"] = workDirectory,
            ["PLATFORM_Compute__DetachTimeout"] = "00:00:15",
            ["PLATFORM_Compute__DetachAttempts"] = "2",
            ["PLATFORM_Storage__CephConf"] = Ceph["PLATFORM_CEPH_CONF"],
            ["PLATFORM_Storage__CephUser"] = Ceph["PLATFORM_CEPH_USER"],
            ["PLATFORM_Operations__JournalPath"] = Path.Combine(workDirectory, "operations.journal"),
            ["PLATFORM_Registration__ControllerUrl"] = Controller.GrpcUrl,
            ["PLATFORM_Registration__HostId"] = hostId,
            ["PLATFORM_Registration__HostIp"] = "127.0.0.1",
        };

    /// <summary>Stops the fixture's own agent (for good): its host goes down once its heartbeats are missed.</summary>
    internal async Task StopHostAgentAsync()
    {
        if (_agent is { } agent)
        {
            _agent = null;
            await agent.DisposeAsync();
        }
    }

    /// <summary>SIGKILL the controller, as a crash would, and start a new one on the same database and ports.</summary>
    internal async Task KillAndRestartControllerAsync()
    {
        var killed = Controller;
        await killed.KillAsync();
        _controller = await ControllerProcess.StartAsync(InventoryConnectionString, ControllerSettings, killed.RestUrl, killed.GrpcUrl);
        await killed.DisposeAsync();
    }

    /// <summary>An OS-less image (blank, 16 MiB) created through REST: instances of it start at once and idle in the BIOS.</summary>
    protected async Task<string> BlankImageAsync()
    {
        var image = (await Api.PostAsync("/api/v1/images/create", new { image_name = Unique("blank"), image_size = 16 << 20, os_type = "Linux" })).Ok();
        var imageId = image.GetProperty("image_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("images", imageId));
        return imageId;
    }

    /// <summary>Removes an instance's domain and volumes however a test left it (virsh and rbd, not the controller).</summary>
    protected async Task DestroyLeftoverAsync(string instanceId)
    {
        if (await DomainExistsAsync(instanceId))
        {
            // Either may race with a destroy task still finishing: best effort, checked below.
            await ChildProcess.RunAsync("virsh", ["-c", LibvirtUri, "destroy", instanceId], TimeSpan.FromSeconds(30));
            await ChildProcess.RunAsync("virsh", ["-c", LibvirtUri, "undefine", instanceId], TimeSpan.FromSeconds(30));
        }
        Assert.That(await DomainExistsAsync(instanceId), Is.False, $"leftover domain {instanceId} could not be removed");
        await using var command = Database.CreateCommand("SELECT volume_id FROM volumes WHERE instance_id = @id");
        command.Parameters.AddWithValue("id", instanceId);
        var volumes = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                volumes.Add(reader.GetString(0));
            }
        }
        foreach (var volume in volumes)
        {
            await RemoveRbdImageAsync("volumes", volume);
        }
    }

    /// <summary>Every step runs even when an earlier one fails, so no process or database outlives the fixture.</summary>
    [OneTimeTearDown]
    public async Task StopPlatformAsync()
    {
        var steps = new CleanupSteps();
        // Pushed first, runs last of all.
        steps.Push(StopPostgresAsync);
        steps.Push(StopCephAsync);
        if (_certificates is not null)
        {
            // Pushed first, runs last: the daemons read their certificates until they stop.
            steps.Push(() =>
            {
                _certificates.Dispose();
                return Task.CompletedTask;
            });
        }
        if (DatabaseName is not null)
        {
            steps.Push(() => _postgres.DropDatabaseAsync(DatabaseName));
        }
        if (Database is not null)
        {
            steps.Push(async () => await Database.DisposeAsync());
        }
        if (_controller is not null)
        {
            steps.Push(async () => await _controller.DisposeAsync());
        }
        if (_agent is not null)
        {
            steps.Push(async () => await _agent.DisposeAsync());
        }
        Api?.Dispose();
        await steps.RunAllAsync();
    }

    private bool _descriptionDriftReported;

    [TearDown]
    public async Task CleanUpAsync()
    {
        await _cleanup.RunAllAsync();
        // Every test is also a check of the API description: a handler that read a field its
        // operation does not describe (or describes with other limits) logged it, and the test
        // that made it read so fails here, whichever endpoint it called.
        if (!_descriptionDriftReported && _controller?.Output is { } output && output.Contains(OpenApi.OpenApiDocumentTests.DriftMarker, StringComparison.Ordinal))
        {
            _descriptionDriftReported = true;
            var line = output.Split('\n').First(l => l.Contains(OpenApi.OpenApiDocumentTests.DriftMarker, StringComparison.Ordinal));
            Assert.Fail($"the controller read a request field its OpenAPI description does not have: {line.Trim()}");
        }
    }

    protected void OnCleanUp(Func<Task> step) => _cleanup.Push(step);

    protected async Task<string?> HostStatusAsync(string hostId)
    {
        var hosts = (await Api.GetAsync("/api/v1/hosts/list")).Ok();
        return hosts.GetProperty("items").EnumerateArray().Where(h => h.GetProperty("host_id").GetString() == hostId)
            .Select(h => h.GetProperty("status").GetString()).FirstOrDefault();
    }

    /// <summary>The tiny guest's bootable disk imported into pool images as an unregistered RBD image.</summary>
    protected async Task<string> ImportGuestImageAsync()
    {
        var imageId = "ami-" + Guid.NewGuid().ToString("N")[..8];
        await Rbd("import", "--no-progress", "--image-format", "2", TestEnvironment.Require("guest")["PLATFORM_GUEST_DISK"], $"images/{imageId}");
        OnCleanUp(() => RemoveRbdImageAsync("images", imageId));
        return imageId;
    }

    /// <summary>Removes an RBD image with its snapshots if a test left it behind.</summary>
    protected async Task RemoveRbdImageAsync(string pool, string name)
    {
        if (!(await Rbd("ls", pool)).Split('\n', StringSplitOptions.TrimEntries).Contains(name))
        {
            return;
        }
        var snapshots = await ChildProcess.RunAsync("rbd", [.. RbdArguments, "snap", "ls", "--format", "json", $"{pool}/{name}"], TimeSpan.FromSeconds(30));
        if (snapshots.ExitCode != 0)
        {
            // Remains without a header (an interrupted create): nothing to open, rbd rm clears them.
            await Rbd("rm", "--no-progress", $"{pool}/{name}");
            return;
        }
        foreach (var snapshot in JsonDocument.Parse(snapshots.StandardOutput).RootElement.EnumerateArray())
        {
            var spec = $"{pool}/{name}@{snapshot.GetProperty("name").GetString()}";
            await ChildProcess.RunAsync("rbd", [.. RbdArguments, "snap", "unprotect", spec], TimeSpan.FromSeconds(30));
        }
        await Rbd("snap", "purge", "--no-progress", $"{pool}/{name}");
        await Rbd("rm", "--no-progress", $"{pool}/{name}");
    }

    protected async Task<bool> RbdImageExistsAsync(string pool, string name) =>
        (await Rbd("ls", pool)).Split('\n', StringSplitOptions.TrimEntries).Contains(name);

    protected async Task<bool> DomainExistsAsync(string name) =>
        (await Virsh("list", "--all", "--name")).Split('\n', StringSplitOptions.TrimEntries).Contains(name);

    protected async Task<string> DomainStateAsync(string name) => (await Virsh("domstate", name)).Trim();

    protected Task<string> Virsh(params string[] arguments) => ChildProcess.OutputOfAsync("virsh", ["-c", LibvirtUri, .. arguments]);

    protected Task<string> Rbd(params string[] arguments) => ChildProcess.OutputOfAsync("rbd", [.. RbdArguments, .. arguments]);

    private protected string[] RbdArguments => ["--conf", Ceph["PLATFORM_CEPH_CONF"], "--id", Ceph["PLATFORM_CEPH_USER"]];

    protected string SerialLogOf(string name) => Path.Combine(WorkDirectory, name + ".serial.log");

    /// <summary>Follows /api/v1/instance/progress until the task ends; returns the last progress.</summary>
    protected async Task<JsonElement> WaitForTaskAsync(string instanceId, string taskId, TimeSpan timeout)
    {
        JsonElement last = default;
        await Eventually.HoldsAsync(async () =>
        {
            last = (await Api.GetAsync("/api/v1/instance/progress", ("task_id", taskId))).Ok();
            Assert.That(last.GetProperty("instance_id").GetString(), Is.EqualTo(instanceId));
            return last.GetProperty("state").GetString() is "succeeded" or "failed";
        }, timeout, $"task {taskId} of {instanceId} finished");
        return last;
    }

    /// <summary>What the tiny guest prints for each DHCP lease it gets: PLATFORM-GUEST-IP nic ip mac.</summary>
    protected const string GuestIpMarker = "PLATFORM-GUEST-IP ";

    /// <summary>Waits for the guest to print the lease of the NIC with this MAC on its serial console.</summary>
    protected async Task<GuestLease> LeaseOfAsync(string instanceId, string mac, TimeSpan timeout)
    {
        GuestLease? lease = null;
        var log = SerialLogOf(instanceId);
        await Eventually.HoldsAsync(async () =>
        {
            if (!File.Exists(log))
            {
                return false;
            }
            foreach (var line in await File.ReadAllLinesAsync(log))
            {
                var at = line.IndexOf(GuestIpMarker, StringComparison.Ordinal);
                if (at >= 0 && line[(at + GuestIpMarker.Length)..].Trim().Split(' ') is [var nic, var ip, var leasedMac]
                    && string.Equals(leasedMac, mac, StringComparison.OrdinalIgnoreCase))
                {
                    lease = new GuestLease(nic, ip);
                    return true;
                }
            }
            return false;
        }, timeout, $"the guest's serial console shows a DHCP lease for {mac}");
        return lease!;
    }

    /// <summary>Until a line of the guest's serial console starts with <paramref name="marker"/>.</summary>
    protected static Task<TimeSpan> SerialSaysAsync(string serialLog, string marker, TimeSpan timeout) =>
        Eventually.HoldsAsync(async () => File.Exists(serialLog) && (await File.ReadAllLinesAsync(serialLog)).Any(l => l.StartsWith(marker, StringComparison.Ordinal)),
            timeout, $"serial console says {marker}");

    /// <summary>The kinds of drift the controller recorded for one resource, through the REST API.</summary>
    protected async Task<IReadOnlyList<string>> DriftKindsAsync(string resourceId, bool includeResolved)
    {
        // Filtered by resource: the shared test Ceph and libvirtd hold many other tests' things, each its own drift.
        var page = (await Api.GetAsync("/api/v1/drift/list", ("include_resolved", includeResolved ? "true" : "false"), ("resource_id", resourceId), ("page_size", "1000"))).Ok();
        return page.GetProperty("items").EnumerateArray()
            .Where(d => d.GetProperty("resource_id").GetString() == resourceId)
            .Select(d => d.GetProperty("kind").GetString()!).ToList();
    }

    protected static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
}

/// <summary>A DHCP lease as the guest reported it: the NIC inside the guest and the address.</summary>
public sealed record GuestLease(string Nic, string Ip);

using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Agent;

/// <summary>
/// A private agent process pointed at the test libvirtd and Ceph (domain type auto, as `up`), its
/// typed DomainService and HostService clients, and undo steps run after each test so every
/// test removes the domains and images it made. RBD images are made with the rbd CLI and
/// libvirt is inspected with virsh, independently of the agent.
/// </summary>
public abstract class DomainTestBase
{
    protected const string ReadyMarker = "PLATFORM-GUEST-READY";
    protected const string DisksMarker = "PLATFORM-GUEST-DISKS";
    protected static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(150);

    private readonly CleanupSteps _cleanup = new();
    private AgentProcess? _agent;
    private GrpcChannel? _channel;

    internal ComponentSettings Ceph { get; private set; } = null!;

    protected string LibvirtUri { get; private set; } = null!;

    protected string Bridge { get; private set; } = null!;

    /// <summary>Serial logs of the agent's domains and its operation journal.</summary>
    protected string WorkDirectory { get; private set; } = null!;

    internal AgentProcess Agent => _agent ?? throw new InvalidOperationException("no agent");

    internal DomainService.DomainServiceClient Domains { get; private set; } = null!;

    internal HostService.HostServiceClient Hosts { get; private set; } = null!;

    /// <summary>How long one detach attempt of the agent waits for the guest (two attempts).</summary>
    protected virtual TimeSpan DetachTimeout => TimeSpan.FromSeconds(15);

    [OneTimeSetUp]
    public async Task StartAgentAsync()
    {
        Ceph = TestEnvironment.Require("ceph");
        var libvirt = TestEnvironment.Require("libvirt");
        LibvirtUri = libvirt["PLATFORM_LIBVIRT_URI"];
        Bridge = libvirt["PLATFORM_BRIDGE"];
        WorkDirectory = Directory.CreateDirectory(Path.Combine(TestEnvironment.StateDirectory, "tests", "domain-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        await StartAgentProcessAsync();
    }

    /// <summary>SIGKILL, as a crash would, then a new agent process on the same journal and settings.</summary>
    internal async Task KillAndRestartAgentAsync()
    {
        _channel?.Dispose();
        await Agent.KillAsync();
        await Agent.DisposeAsync();
        await StartAgentProcessAsync();
    }

    private async Task StartAgentProcessAsync()
    {
        _agent = await AgentProcess.StartAsync(new AgentProcessOptions
        {
            Environment = new Dictionary<string, string>
            {
                ["PLATFORM_Compute__LibvirtUri"] = LibvirtUri,
                ["PLATFORM_Compute__Bridge"] = Bridge,
                ["PLATFORM_Compute__SerialLogDirectory"] = WorkDirectory,
                ["PLATFORM_Compute__DetachTimeout"] = DetachTimeout.ToString("c"),
                ["PLATFORM_Compute__DetachAttempts"] = "2",
                ["PLATFORM_Storage__CephConf"] = Ceph["PLATFORM_CEPH_CONF"],
                ["PLATFORM_Storage__CephUser"] = Ceph["PLATFORM_CEPH_USER"],
                ["PLATFORM_Operations__JournalPath"] = Path.Combine(WorkDirectory, "operations.journal"),
            },
        });
        _channel = GrpcChannel.ForAddress(Agent.GrpcUrl);
        Domains = new DomainService.DomainServiceClient(_channel);
        Hosts = new HostService.HostServiceClient(_channel);
    }

    [OneTimeTearDown]
    public async Task StopAgentAsync()
    {
        _channel?.Dispose();
        if (_agent is not null)
        {
            var output = _agent.Output;
            await _agent.DisposeAsync();
            TestContext.Out.WriteLine("agent output (tail):\n" + string.Join('\n', output.Split('\n').TakeLast(40)));
        }
        if (WorkDirectory is not null && Directory.Exists(WorkDirectory))
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
    }

    [TearDown]
    public Task CleanUpAsync() => _cleanup.RunAllAsync();

    protected void OnCleanUp(Func<Task> step) => _cleanup.Push(step);

    protected static DateTime Deadline(double seconds = 60) => DateTime.UtcNow.AddSeconds(seconds);

    protected static string NewInstanceId() => "i-" + Guid.NewGuid().ToString("N")[..8];

    protected static string NewOperationId() => "op-" + Guid.NewGuid().ToString("N");

    protected static string NewMac()
    {
        var tail = Guid.NewGuid().ToByteArray();
        return $"52:54:00:{tail[0]:x2}:{tail[1]:x2}:{tail[2]:x2}";
    }

    protected string SerialLogOf(string name) => Path.Combine(WorkDirectory, name + ".serial.log");

    /// <summary>The tiny guest's disk imported once per test into images/, cloned into volumes/ as the boot disk; returns "volumes/NAME".</summary>
    protected async Task<string> BootDiskAsync(string name)
    {
        var template = $"images/{name}-template";
        await Rbd("import", "--no-progress", "--image-format", "2", TestEnvironment.Require("guest")["PLATFORM_GUEST_DISK"], template);
        OnCleanUp(() => Rbd("rm", "--no-progress", template));
        await Rbd("snap", "create", template + "@base");
        await Rbd("snap", "protect", template + "@base");
        OnCleanUp(async () =>
        {
            await Rbd("snap", "unprotect", template + "@base");
            await Rbd("snap", "rm", "--no-progress", template + "@base");
        });
        return await CloneAsync(template + "@base", $"volumes/{name}-boot");
    }

    protected async Task<string> CloneAsync(string snapshot, string clone)
    {
        await Rbd("clone", snapshot, clone);
        OnCleanUp(() => Rbd("rm", "--no-progress", clone));
        return clone;
    }

    /// <summary>A blank image (a data volume; or the boot disk of a guest with nothing to boot).</summary>
    protected async Task<string> BlankImageAsync(string image, string size = "16M")
    {
        await Rbd("create", "--size", size, image);
        OnCleanUp(() => Rbd("rm", "--no-progress", image));
        return image;
    }

    /// <summary>Removes the domain however the test left it (through virsh, not the agent).</summary>
    /// <summary>A running guest with nothing to boot (a blank RBD boot disk: SeaBIOS idles), undefined after the test.</summary>
    protected async Task StartOsLessGuestAsync(string name)
    {
        var boot = await BlankImageAsync($"volumes/{name}-boot");
        UndefineAfterwards(name);
        await Domains.DefineAndStartDomainAsync(new DefineAndStartDomainRequest
        {
            OperationId = NewOperationId(),
            Name = name,
            Uuid = Guid.NewGuid().ToString(),
            Vcpus = 1,
            MemoryMib = 64,
            BootDisk = new RbdDisk { Image = boot, Target = "vda" },
        }, deadline: Deadline());
    }

    protected void UndefineAfterwards(string name) => OnCleanUp(async () =>
    {
        if (await DomainExistsAsync(name))
        {
            await ChildProcess.RunAsync("virsh", ["-c", LibvirtUri, "destroy", name], TimeSpan.FromSeconds(30));
            await Virsh("undefine", name);
        }
    });

    protected async Task<bool> DomainExistsAsync(string name) =>
        (await Virsh("list", "--all", "--name")).Split('\n', StringSplitOptions.TrimEntries).Contains(name);

    protected async Task<string> DomainStateAsync(string name) => (await Virsh("domstate", name)).Trim();

    protected Task<string> LiveXmlAsync(string name) => Virsh("dumpxml", name);

    protected Task<string> Virsh(params string[] arguments) =>
        ChildProcess.OutputOfAsync("virsh", ["-c", LibvirtUri, .. arguments]);

    protected Task<string> Rbd(params string[] arguments) =>
        ChildProcess.OutputOfAsync("rbd", ["--conf", Ceph["PLATFORM_CEPH_CONF"], "--id", Ceph["PLATFORM_CEPH_USER"], .. arguments]);

    protected static Task<TimeSpan> SerialSaysAsync(string serialLog, string marker, TimeSpan timeout, Func<string, bool>? line = null) =>
        Eventually.HoldsAsync(async () =>
        {
            if (!File.Exists(serialLog))
            {
                return false;
            }
            var lines = await File.ReadAllLinesAsync(serialLog);
            return lines.Any(l => l.StartsWith(marker, StringComparison.Ordinal) && (line is null || line(l)));
        }, timeout, $"serial console says {marker}");

    protected static void Report(string what, TimeSpan time) =>
        TestContext.Out.WriteLine($"{what}: {time.TotalMilliseconds:0} ms");
}

using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Grpc;

/// <summary>How to start a private agent: h2c by default, TLS with a server certificate, mutual TLS with a client CA too.</summary>
internal sealed record AgentProcessOptions
{
    /// <summary>The gRPC endpoint serves TLS with this certificate (https://); null serves h2c (http://).</summary>
    public PemFiles? ServerCertificate { get; init; }

    /// <summary>PEM of the CA client certificates must chain to (Grpc:ClientCertificateAuthority); needs <see cref="ServerCertificate"/>.</summary>
    public string? ClientCertificateAuthority { get; init; }

    /// <summary>More PLATFORM_* overrides (configuration keys with __ for sections).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>How long /healthz may take to answer after the start.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The published agent (<c>$PLATFORM_TEST_STATE/bin/agent</c>) run as a private process: empty
/// config dir, its own free ports and transfer directory, libvirt and Ceph pointed at nothing
/// (so /healthz answers 503, and nothing of the shared environment is touched). Started when
/// /healthz answers; stopped with SIGTERM the way systemd stops it.
/// </summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(15);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly string _dll;
    private readonly Dictionary<string, string> _environment;
    private readonly TimeSpan _startTimeout;
    private DaemonProcess _daemon;

    private AgentProcess(string dll, Dictionary<string, string> environment, TimeSpan startTimeout, string directory, string httpUrl, string grpcUrl)
    {
        _dll = dll;
        _environment = environment;
        _startTimeout = startTimeout;
        _daemon = DaemonProcess.Start("agent", dll, environment);
        Directory = directory;
        HttpUrl = httpUrl;
        GrpcUrl = grpcUrl;
    }

    /// <summary>The process's own temporary directory (config dir, transfer area); removed on dispose.</summary>
    public string Directory { get; }

    public string TransferDirectory => Path.Combine(Directory, "transfer");

    /// <summary>http://127.0.0.1:PORT of /healthz.</summary>
    public string HttpUrl { get; }

    /// <summary>http:// (h2c) or https:// (TLS) address of the gRPC endpoint.</summary>
    public string GrpcUrl { get; }

    public int Pid => _daemon.Pid;

    public bool HasExited => _daemon.HasExited;

    /// <summary>Standard output and error so far.</summary>
    public string Output => _daemon.Output;

    public static async Task<AgentProcess> StartAsync(AgentProcessOptions? options = null)
    {
        options ??= new AgentProcessOptions();
        var agentDll = TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "agent", "Platform.Agent.dll"), "the published agent");
        var directory = System.IO.Directory.CreateTempSubdirectory("platform-agent-").FullName;
        var configDirectory = System.IO.Directory.CreateDirectory(Path.Combine(directory, "config")).FullName;
        var httpUrl = $"http://127.0.0.1:{FreeLoopbackPort()}";
        var grpcUrl = $"{(options.ServerCertificate is null ? "http" : "https")}://127.0.0.1:{FreeLoopbackPort()}";

        var environment = new Dictionary<string, string>
        {
            ["PLATFORM_CONFIG_DIR"] = configDirectory,
            ["PLATFORM_Kestrel__Endpoints__Http__Url"] = httpUrl,
            ["PLATFORM_Kestrel__Endpoints__Grpc__Url"] = grpcUrl,
            ["PLATFORM_Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            // A native crash (librbd/librados have crashed an agent under churn) leaves a dump with
            // every thread's stack for gdb; outside log/, which the run's secret scan reads.
            ["DOTNET_DbgEnableMiniDump"] = "1",
            ["DOTNET_DbgMiniDumpType"] = "1",
            ["DOTNET_DbgMiniDumpName"] = Path.Combine(System.IO.Directory.CreateDirectory(Path.Combine(TestEnvironment.StateDirectory, "dumps")).FullName, "agent.%p.dmp"),
            ["PLATFORM_Transfer__Directory"] = Path.Combine(directory, "transfer"),
            // Its own operation journal: the journal file is locked by the agent that has it open.
            ["PLATFORM_Operations__JournalPath"] = Path.Combine(directory, "operations.journal"),
            // Its own driver disk: the state directory is locked by the agent that has it.
            ["PLATFORM_DriverDisk__StateDirectory"] = Path.Combine(directory, "driver-disk"),
            ["PLATFORM_DriverDisk__BackupDirectory"] = Path.Combine(directory, "driver-backup"),
            ["PLATFORM_Compute__LibvirtUri"] = $"qemu:///system?socket={directory}/no-libvirtd",
            ["PLATFORM_Storage__CephConf"] = $"{directory}/no-ceph.conf",
        };
        if (options.ServerCertificate is { } server)
        {
            environment["PLATFORM_Kestrel__Endpoints__Grpc__Certificate__Path"] = server.CertificatePath;
            environment["PLATFORM_Kestrel__Endpoints__Grpc__Certificate__KeyPath"] = server.KeyPath;
        }
        if (options.ClientCertificateAuthority is { } authority)
        {
            environment["PLATFORM_Grpc__ClientCertificateAuthority"] = authority;
        }
        foreach (var (key, value) in options.Environment)
        {
            environment[key] = value;
        }

        var agent = new AgentProcess(agentDll, environment, options.StartTimeout, directory, httpUrl, grpcUrl);
        try
        {
            await agent.WaitUntilHealthyAsync();
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
        return agent;
    }

    /// <summary>/healthz answered (any status: without libvirtd and Ceph it is 503).</summary>
    public async Task<bool> AnswersHealthAsync()
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"{HttpUrl}/healthz"));
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then waits for the exit; kills it after <paramref name="timeout"/>. Returns the exit code.</summary>
    public Task<int> StopAsync(TimeSpan? timeout = null) => _daemon.StopAsync(timeout ?? DefaultStopTimeout);

    /// <summary>SIGKILL, the way a crash ends it: nothing of the agent runs on the way out. Returns once it has exited.</summary>
    public Task KillAsync() => _daemon.KillAsync();

    /// <summary>
    /// After <see cref="KillAsync"/> or <see cref="StopAsync"/>: the agent again, on the same
    /// ports, directory, journal and settings — what systemd's restart of a crashed agent gives.
    /// Returns once it answers /healthz.
    /// </summary>
    public async Task StartAgainAsync()
    {
        if (!_daemon.HasExited)
        {
            throw new InvalidOperationException($"agent {_daemon.Pid} still runs");
        }
        await _daemon.DisposeAsync(DefaultStopTimeout);
        _daemon = DaemonProcess.Start("agent", _dll, _environment);
        await WaitUntilHealthyAsync();
    }

    private Task WaitUntilHealthyAsync() => _daemon.WaitUntilAsync(AnswersHealthAsync, _startTimeout, $"private agent answering {HttpUrl}/healthz");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _daemon.DisposeAsync(DefaultStopTimeout);
        }
        finally
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    public static int FreeLoopbackPort() => DaemonProcess.FreeLoopbackPort();
}

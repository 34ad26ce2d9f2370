using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
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
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private int? _exitCode;

    private AgentProcess(Process process, string directory, string httpUrl, string grpcUrl)
    {
        _process = process;
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

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Standard output and error so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static async Task<AgentProcess> StartAsync(AgentProcessOptions? options = null)
    {
        options ??= new AgentProcessOptions();
        var agentDll = TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "agent", "Platform.Agent.dll"), "the published agent");
        var directory = System.IO.Directory.CreateTempSubdirectory("platform-agent-").FullName;
        var configDirectory = System.IO.Directory.CreateDirectory(Path.Combine(directory, "config")).FullName;
        var httpUrl = $"http://127.0.0.1:{FreeLoopbackPort()}";
        var grpcUrl = $"{(options.ServerCertificate is null ? "http" : "https")}://127.0.0.1:{FreeLoopbackPort()}";

        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(agentDll);
        var environment = startInfo.Environment;
        environment["PLATFORM_CONFIG_DIR"] = configDirectory;
        environment["PLATFORM_Kestrel__Endpoints__Http__Url"] = httpUrl;
        environment["PLATFORM_Kestrel__Endpoints__Grpc__Url"] = grpcUrl;
        environment["PLATFORM_Kestrel__Endpoints__Grpc__Protocols"] = "Http2";
        environment["PLATFORM_Transfer__Directory"] = Path.Combine(directory, "transfer");
        // Its own operation journal: the journal file is locked by the agent that has it open.
        environment["PLATFORM_Operations__JournalPath"] = Path.Combine(directory, "operations.journal");
        environment["PLATFORM_Compute__LibvirtUri"] = $"qemu:///system?socket={directory}/no-libvirtd";
        environment["PLATFORM_Storage__CephConf"] = $"{directory}/no-ceph.conf";
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

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start dotnet");
        process.StandardInput.Close();
        var agent = new AgentProcess(process, directory, httpUrl, grpcUrl);
        process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Eventually.HoldsAsync(async () =>
            {
                Assert.That(process.HasExited, Is.False, () => $"agent exited with {process.ExitCode}: {agent.Output}");
                return await agent.AnswersHealthAsync();
            }, options.StartTimeout, $"private agent answering {httpUrl}/healthz");
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
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (_exitCode is { } known)
        {
            return known;
        }
        if (!_process.HasExited)
        {
            Signals.Terminate(_process.Id);
            using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
                throw new TimeoutException($"agent {_process.Id} did not stop within {timeout ?? TimeSpan.FromSeconds(15)} of SIGTERM: {Output}");
            }
        }
        await _process.WaitForExitAsync(); // drains the output
        _exitCode = _process.ExitCode;
        return _exitCode.Value;
    }

    /// <summary>SIGKILL, the way a crash ends it: nothing of the agent runs on the way out. Returns once it has exited.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(); // SIGKILL on Linux
        }
        await _process.WaitForExitAsync();
        _exitCode = _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await StopAsync();
            }
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.Dispose();
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}

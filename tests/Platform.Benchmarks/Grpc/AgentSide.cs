using System.Diagnostics;
using Google.Protobuf;
using Platform.Benchmarks.Infrastructure;
using Platform.Contracts.Agent.V1;

namespace Platform.Benchmarks.Grpc;

/// <summary>
/// A .NET side end to end: this process is the client (one channel, typed calls, as the
/// controller makes them), the server is the agent itself (Platform.Agent.dll) in its own
/// process, with its own configuration (h2c endpoint, transfer directory).
/// </summary>
internal sealed class AgentSide : IGrpcSide, IDisposable
{
    private readonly ChildProcess _agent;
    private readonly IAgentBenchClient _client;

    private AgentSide(string name, ChildProcess agent, int port, string transferDirectory, IAgentBenchClient client)
    {
        Name = name;
        _agent = agent;
        Port = port;
        TransferDirectory = transferDirectory;
        _client = client;
    }

    public string Name { get; }

    public Func<TimeSpan> ClientCpu => () => ProcessCpu.Of(Environment.ProcessId);

    public Func<TimeSpan> ServerCpu => () => _agent.CpuTime;

    public int Port { get; }

    public string TransferDirectory { get; }

    public int ServerPid => _agent.Pid;

    public AgentInfo? Info { get; private set; }

    /// <summary>
    /// Starts the agent with libvirt and Ceph pointed at nothing (health says 503; gRPC serves),
    /// connects <paramref name="connect"/>'s client to its port, and waits for GetAgentInfo to answer.
    /// </summary>
    public static async Task<AgentSide> StartAsync(string name, string agentDll, string directory, Func<int, IAgentBenchClient> connect,
        IReadOnlyDictionary<string, string>? overrides = null)
    {
        var config = Directory.CreateDirectory(Path.Combine(directory, "config")).FullName;
        var transfer = Directory.CreateDirectory(Path.Combine(directory, "transfer")).FullName;
        var grpcPort = ProcessCpu.FreeLoopbackPort();
        var httpPort = ProcessCpu.FreeLoopbackPort();
        var environment = new Dictionary<string, string>
        {
            ["PLATFORM_CONFIG_DIR"] = config,
            ["PLATFORM_Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpcPort}",
            ["PLATFORM_Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            ["PLATFORM_Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{httpPort}",
            ["PLATFORM_Transfer__Directory"] = transfer,
            ["PLATFORM_Compute__LibvirtUri"] = $"qemu:///system?socket={directory}/no-libvirtd",
            ["PLATFORM_Storage__CephConf"] = $"{directory}/no-ceph.conf",
            ["PLATFORM_DriverDisk__StateDirectory"] = Path.Combine(directory, "driver-disk"),
            ["PLATFORM_DriverDisk__BackupDirectory"] = Path.Combine(directory, "driver-backup"),
            // The agent's per-call log line: off, as grpcio's server logs nothing either.
            [$"PLATFORM_Serilog__MinimumLevel__Override__{CallLogCategory}"] = "Warning",
        };
        // Experiments: PLATFORM_BENCH_AGENT_ENV_X=V sets X=V for the agent only (e.g. DOTNET_ knobs).
        const string AgentEnvironmentPrefix = "PLATFORM_BENCH_AGENT_ENV_";
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith(AgentEnvironmentPrefix, StringComparison.Ordinal)))
        {
            environment[key[AgentEnvironmentPrefix.Length..]] = Environment.GetEnvironmentVariable(key)!;
        }
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        var agent = ChildProcess.Start($"{name} agent", "dotnet", [agentDll], environment);
        var side = new AgentSide(name, agent, grpcPort, transfer, connect(grpcPort));
        try
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (agent.HasExited)
                {
                    throw new InvalidOperationException($"the agent exited at start:\n{agent.Output}");
                }
                try
                {
                    side.Info = await side._client.GetAgentInfoAsync(DateTime.UtcNow.AddSeconds(2));
                    return side;
                }
                catch (Exception e) when (side._client.IsCallFailure(e) && deadline.Elapsed < TimeSpan.FromSeconds(30))
                {
                    await Task.Delay(100);
                }
            }
        }
        catch
        {
            side.Dispose();
            throw;
        }
    }

    public async Task<UnaryResult> RunUnaryAsync(int concurrency, TimeSpan warmup, TimeSpan duration, CpuWindow cpu)
    {
        var start = Stopwatch.GetTimestamp();
        var from = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var to = from + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var sampling = cpu.SampleAsync(from, to);

        async Task<List<long>> CallerAsync()
        {
            var latencies = new List<long>(1 << 16);
            while (true)
            {
                var begin = Stopwatch.GetTimestamp();
                if (begin >= to)
                {
                    return latencies;
                }
                await _client.GetAgentInfoAsync(null);
                var end = Stopwatch.GetTimestamp();
                if (end >= from && end <= to)
                {
                    latencies.Add(end - begin);
                }
            }
        }

        var callers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(CallerAsync)).ToArray();
        await sampling;
        var connections = ProcessCpu.EstablishedTo(Port);
        var all = (await Task.WhenAll(callers)).SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Micros(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
        return new UnaryResult(Name, all.Length, duration.TotalSeconds,
            Micros(Percentiles.NearestRank(all, 0.50)), Micros(Percentiles.NearestRank(all, 0.99)), cpu, connections);
    }

    public async Task<UploadResult> UploadAsync(string name, string chunkFile, byte[] chunk, int chunks)
    {
        // One message reused for every chunk, as on the Python side; the client computes no md5.
        var data = new UploadFileRequest { Data = UnsafeByteOperations.UnsafeWrap(chunk) };
        var header = new UploadFileRequest
        {
            Header = new UploadFileHeader { OperationId = "bench", Name = name, SizeBytes = (ulong)chunk.Length * (ulong)chunks },
        };
        var clientCpu = ClientCpu();
        var serverCpu = ServerCpu();
        var begin = Stopwatch.GetTimestamp();
        var response = await _client.UploadAsync(header, data, chunks);
        var seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        return new UploadResult((long)response.SizeBytes, seconds, response.Md5,
            ClientCpu() - clientCpu, ServerCpu() - serverCpu);
    }

    public void DeleteUploaded(string name) => File.Delete(Path.Combine(TransferDirectory, name));

    /// <summary>The agent's call-log category (Platform.Rpc), turned down for the measurement.</summary>
    public const string CallLogCategory = "Platform.Rpc.CallLog";

    public void Dispose()
    {
        _client.Dispose();
        _agent.Dispose();
    }
}

using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Benchmarks.Infrastructure;

namespace Platform.Benchmarks.Grpc;

/// <summary>
/// Python grpcio (C-core) end to end: python/bench_grpcio.py as an asyncio server process and
/// an asyncio client process with one channel, driven over the client's stdin/stdout.
/// </summary>
internal sealed class GrpcioSide : IGrpcSide, IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromMinutes(2);

    private readonly ChildProcess _server;
    private readonly ChildProcess _client;

    private GrpcioSide(ChildProcess server, ChildProcess client, int port, string transferDirectory, JsonNode ready)
    {
        _server = server;
        _client = client;
        Port = port;
        TransferDirectory = transferDirectory;
        Versions = $"grpcio {ready["grpcio"]}, protobuf {ready["protobuf"]} ({ready["protobuf_impl"]}), Python {ready["python"]}";
    }

    public string Name => "grpcio";

    public Func<TimeSpan> ClientCpu => () => _client.CpuTime;

    public Func<TimeSpan> ServerCpu => () => _server.CpuTime;

    public int Port { get; }

    public string TransferDirectory { get; }

    public string Versions { get; }

    public static async Task<GrpcioSide> StartAsync(string python, string script, string protoRoot, string directory, Contracts.Agent.V1.AgentInfo info)
    {
        var generated = Path.Combine(directory, "generated");
        var transfer = Directory.CreateDirectory(Path.Combine(directory, "transfer")).FullName;
        using (var gen = ChildProcess.Start("protoc (python)", python, ["-I", script, "gen", "--proto-root", protoRoot, "--out", generated]))
        {
            if (!await WaitForExitAsync(gen, TimeSpan.FromSeconds(30)))
            {
                throw new InvalidOperationException($"{script} gen failed:\n{gen.Output}");
            }
        }

        var server = ChildProcess.Start("grpcio server", python,
            ["-I", script, "server", "--gen", generated, "--dir", transfer,
             "--agent-version", info.AgentVersion, "--hostname", info.Hostname,
             "--started-at", info.StartedAt.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            captureStdout: false);
        ChildProcess? client = null;
        try
        {
            var readyLine = await ReadLineAsync(server, TimeSpan.FromSeconds(30));
            if (readyLine?.StartsWith("READY ", StringComparison.Ordinal) != true)
            {
                throw new InvalidOperationException($"the grpcio server did not start: {readyLine}\n{server.Output}");
            }
            var port = int.Parse(readyLine["READY ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            client = ChildProcess.Start("grpcio client", python,
                ["-I", script, "client", "--gen", generated, "--target", $"127.0.0.1:{port}"],
                captureStdout: false, keepStdinOpen: true);
            var ready = await ReadLineAsync(client, TimeSpan.FromSeconds(30));
            var readyJson = ready is null ? null : JsonNode.Parse(ready);
            if (readyJson?["ready"]?.GetValue<bool>() != true)
            {
                throw new InvalidOperationException($"the grpcio client did not start: {ready}\n{client.Output}");
            }
            return new GrpcioSide(server, client, port, transfer, readyJson);
        }
        catch
        {
            client?.Dispose();
            server.Dispose();
            throw;
        }
    }

    public async Task<UnaryResult> RunUnaryAsync(int concurrency, TimeSpan warmup, TimeSpan duration, CpuWindow cpu)
    {
        var start = Stopwatch.GetTimestamp();
        var from = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var to = from + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var sampling = cpu.SampleAsync(from, to);
        var reply = AskAsync(new JsonObject
        {
            ["op"] = "unary",
            ["concurrency"] = concurrency,
            ["warmup"] = warmup.TotalSeconds,
            ["duration"] = duration.TotalSeconds,
        });
        await sampling;
        var connections = ProcessCpu.EstablishedTo(Port);
        var result = await reply;
        return new UnaryResult(Name, result["calls"]!.GetValue<long>(), result["seconds"]!.GetValue<double>(),
            result["p50_ns"]!.GetValue<long>() / 1e3, result["p99_ns"]!.GetValue<long>() / 1e3, cpu, connections);
    }

    public async Task<UploadResult> UploadAsync(string name, string chunkFile, byte[] chunk, int chunks)
    {
        var clientCpu = _client.CpuTime;
        var serverCpu = _server.CpuTime;
        var result = await AskAsync(new JsonObject
        {
            ["op"] = "upload",
            ["name"] = name,
            ["chunk_file"] = chunkFile,
            ["chunks"] = chunks,
        });
        return new UploadResult(result["bytes"]!.GetValue<long>(), result["seconds"]!.GetValue<double>(), result["md5"]!.GetValue<string>(),
            _client.CpuTime - clientCpu, _server.CpuTime - serverCpu);
    }

    public void DeleteUploaded(string name) => File.Delete(Path.Combine(TransferDirectory, name));

    public void Dispose()
    {
        // End of input ends the client; the server stops on SIGTERM.
        try
        {
            _client.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        _client.Dispose();
        _server.Dispose();
    }

    private async Task<JsonNode> AskAsync(JsonObject command)
    {
        await _client.StandardInput.WriteLineAsync(command.ToJsonString());
        await _client.StandardInput.FlushAsync();
        var line = await ReadLineAsync(_client, ReplyTimeout)
            ?? throw new InvalidOperationException($"the grpcio client ended without answering {command.ToJsonString()}:\n{_client.Output}");
        JsonNode reply;
        try
        {
            reply = JsonNode.Parse(line) ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            throw new InvalidOperationException($"the grpcio client answered '{line}':\n{_client.Output}");
        }
        if (reply["error"] is { } error)
        {
            throw new InvalidOperationException($"grpcio client, {command["op"]}: {error}\n{_client.Output}\nserver: {_server.Output}");
        }
        return reply;
    }

    private static async Task<string?> ReadLineAsync(ChildProcess process, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            return await process.StandardOutput.ReadLineAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{process.Name} said nothing for {timeout}:\n{process.Output}");
        }
    }

    private static async Task<bool> WaitForExitAsync(ChildProcess process, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!process.HasExited)
        {
            if (deadline.Elapsed > timeout)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return process.ExitCode == 0;
    }
}

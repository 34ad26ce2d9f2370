using Grpc.Core;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Grpc;

/// <summary>
/// The third-party gRPC programs of tests/interop: Debian's python3-grpcio (client and server
/// scripts) and Node's @grpc/grpc-js with a reflection client. A peer that cannot run here is
/// a failure under CI and a skip elsewhere, as for a missing environment component.
/// </summary>
internal static class InteropPeers
{
    /// <summary>
    /// Call headers asking grpc-dotnet to gzip this call's request messages (its documented
    /// per-call switch; the channel's compression providers include gzip).
    /// </summary>
    public static Metadata CompressRequests => new() { { "grpc-internal-encoding-request", "gzip" } };

    /// <summary>Debian's interpreter, which has python3-grpcio; the python3 on PATH may be another build without it.</summary>
    public static string Python { get; } = Environment.GetEnvironmentVariable("PLATFORM_INTEROP_PYTHON") ?? "/usr/bin/python3";

    public static string PythonDirectory => Path.Combine(TestEnvironment.RepositoryRoot, "tests", "interop", "python");

    public static string NodeDirectory => Path.Combine(TestEnvironment.RepositoryRoot, "tests", "interop", "node");

    private static readonly TimeSpan PeerTimeout = TimeSpan.FromMinutes(1);
    private static readonly SemaphoreSlim NpmLock = new(1, 1);
    private static readonly Lazy<Task<string?>> PythonProblem = new(FindPythonProblemAsync);
    private static readonly Lazy<Task<string?>> NodeProblem = new(FindNodeProblemAsync);

    /// <summary>Fails the test under CI=true, skips it otherwise (TestEnvironment's rule for what is missing).</summary>
    [DoesNotReturn]
    public static void Unavailable(string reason)
    {
        if (TestEnvironment.InCi)
        {
            Assert.Fail(reason);
        }
        Assert.Ignore(reason);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>/usr/bin/python3 -I -B (no PYTHONPATH or user site from the environment, no __pycache__ in the repository) with these arguments.</summary>
    public static IReadOnlyList<string> PythonArguments(string script, IEnumerable<string> arguments) =>
        ["-I", "-B", Path.Combine(PythonDirectory, script), .. arguments];

    public static async Task RequirePythonAsync()
    {
        if (await PythonProblem.Value is { } problem)
        {
            Unavailable(problem);
        }
    }

    public static async Task RequireNodeAsync()
    {
        if (await NodeProblem.Value is { } problem)
        {
            Unavailable(problem);
        }
    }

    /// <summary>
    /// Runs agent_client.py with <paramref name="arguments"/> (options, then scenarios) and
    /// returns its observations in order, one per scenario.
    /// </summary>
    public static async Task<IReadOnlyList<JsonElement>> RunPythonClientAsync(params string[] arguments)
    {
        await RequirePythonAsync();
        var result = await ChildProcess.RunAsync(Python, PythonArguments("agent_client.py", arguments), PeerTimeout);
        if (result.ExitCode == 3)
        {
            Unavailable($"the Python interop client cannot run here: {result.StandardError.Trim()}");
        }
        Assert.That(result.ExitCode, Is.Zero, () => $"{result.Command} failed: {result.StandardError}");
        var observations = JsonLines(result.StandardOutput);
        Assert.That(observations, Has.Count.GreaterThan(0), () => $"{result.Command} printed no observation: {result.StandardError}");
        return observations;
    }

    /// <summary>The single observation of a run with one scenario.</summary>
    public static async Task<JsonElement> RunPythonScenarioAsync(string scenario, params string[] options)
    {
        var observations = await RunPythonClientAsync([.. options, scenario]);
        Assert.That(observations, Has.Count.EqualTo(1), "one scenario, one observation");
        Assert.That(observations[0].GetProperty("scenario").GetString(), Is.EqualTo(scenario));
        return observations[0];
    }

    /// <summary>Runs reflect_agent.js (installing its node_modules with npm ci first when missing).</summary>
    public static async Task<JsonElement> RunNodeReflectionAsync(params string[] arguments)
    {
        await RequireNodeAsync();
        await EnsureNodeModulesAsync();
        var result = await ChildProcess.RunAsync("node", [Path.Combine(NodeDirectory, "reflect_agent.js"), .. arguments], PeerTimeout);
        Assert.That(result.ExitCode, Is.Zero, () => $"{result.Command} failed: {result.StandardError}");
        var observations = JsonLines(result.StandardOutput);
        Assert.That(observations, Has.Count.EqualTo(1), () => $"{result.Command} printed: {result.StandardOutput} {result.StandardError}");
        return observations[0];
    }

    public static IReadOnlyList<JsonElement> JsonLines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith('{'))
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();

    /// <summary>A string array property as a list (empty when absent).</summary>
    public static IReadOnlyList<string> Strings(this JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(v => v.GetString() ?? "").ToList()
            : [];

    /// <summary>
    /// Where two byte strings first differ ("equal" when they do not): a fast and readable
    /// comparison of megabytes, which NUnit's element-wise collection equality is not.
    /// </summary>
    public static string Difference(byte[] actual, byte[] expected)
    {
        var common = actual.AsSpan().CommonPrefixLength(expected);
        return common == actual.Length && common == expected.Length
            ? "equal"
            : $"{actual.Length} bytes, expected {expected.Length}; first difference at byte {common}";
    }

    /// <summary>Bytes gzip shrinks a lot (a random 1 KiB block repeated), unlike random bytes.</summary>
    public static byte[] CompressibleBytes(int length)
    {
        var block = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024);
        var bytes = new byte[length];
        for (var offset = 0; offset < length; offset += block.Length)
        {
            block.AsSpan(0, Math.Min(block.Length, length - offset)).CopyTo(bytes.AsSpan(offset));
        }
        return bytes;
    }

    /// <summary>Hex MD5, the transfer contract's checksum (an integrity check, not security).</summary>
    public static string Md5Hex(byte[] bytes)
    {
        using var md5 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);
        md5.AppendData(bytes);
        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    public static string? Text(this JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : null;

    private static async Task EnsureNodeModulesAsync()
    {
        await NpmLock.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(NodeDirectory, "node_modules", "grpc-js-reflection-client"))
                && Directory.Exists(Path.Combine(NodeDirectory, "node_modules", "@grpc", "grpc-js")))
            {
                return;
            }
            ProcessResult result;
            try
            {
                result = await ChildProcess.RunAsync("npm", ["ci", "--prefix", NodeDirectory, "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5));
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
            {
                Unavailable($"npm ci in {NodeDirectory} could not run: {e.Message}");
                throw;
            }
            if (result.ExitCode != 0)
            {
                Unavailable($"npm ci in {NodeDirectory} failed ({result.ExitCode}); is the npm registry reachable? {result.StandardError.Trim()}");
            }
        }
        finally
        {
            NpmLock.Release();
        }
    }

    private static async Task<string?> FindPythonProblemAsync()
    {
        if (!File.Exists(Python))
        {
            return $"{Python} not found; the gRPC interop peers need Debian's python3 with python3-grpcio (packaging/scripts/install-deps.sh)";
        }
        try
        {
            var result = await ChildProcess.RunAsync(Python, ["-I", "-c", "import grpc, google.protobuf; print(grpc.__version__, google.protobuf.__version__)"], PeerTimeout);
            return result.ExitCode == 0
                ? null
                : $"{Python} has no grpcio/protobuf ({result.StandardError.Trim()}); install python3-grpcio (packaging/scripts/install-deps.sh)";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{Python} cannot run: {e.Message}";
        }
    }

    private static async Task<string?> FindNodeProblemAsync()
    {
        foreach (var tool in new[] { "node", "npm" })
        {
            try
            {
                var result = await ChildProcess.RunAsync(tool, ["--version"], PeerTimeout);
                if (result.ExitCode != 0)
                {
                    return $"{tool} --version failed: {result.StandardError.Trim()}";
                }
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                return $"{tool} is not on PATH ({e.Message}); the Node interop peer needs node and npm (packaging/scripts/install-deps.sh)";
            }
        }
        return null;
    }
}

/// <summary>
/// agent_server.py (grpcio) as a running process on 127.0.0.1: the peer the C# client is
/// tested against. Its stdout lines (READY, EVENT {json}) are kept for the tests to read.
/// </summary>
internal sealed class PythonGrpcServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly StringBuilder _errors = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private PythonGrpcServer(Process process, string directory)
    {
        _process = process;
        Directory = directory;
    }

    /// <summary>The server's file directory (uploads land here, downloads come from here).</summary>
    public string Directory { get; }

    public int Port { get; private set; }

    /// <summary>http:// or https:// address for GrpcChannel.ForAddress.</summary>
    public string Address { get; private set; } = "";

    public static async Task<PythonGrpcServer> StartAsync(PemFiles? serverCertificate = null, string? clientCertificateAuthority = null)
    {
        await InteropPeers.RequirePythonAsync();
        var directory = System.IO.Directory.CreateTempSubdirectory("platform-grpcio-server-").FullName;
        var arguments = new List<string> { "--port", "0", "--dir", Path.Combine(directory, "files") };
        if (serverCertificate is not null)
        {
            arguments.AddRange(["--cert", serverCertificate.CertificatePath, "--key", serverCertificate.KeyPath]);
        }
        if (clientCertificateAuthority is not null)
        {
            arguments.AddRange(["--ca", clientCertificateAuthority]);
        }
        var startInfo = new ProcessStartInfo(InteropPeers.Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in InteropPeers.PythonArguments("agent_server.py", arguments))
        {
            startInfo.ArgumentList.Add(argument);
        }
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {InteropPeers.Python}");
        process.StandardInput.Close();
        var server = new PythonGrpcServer(process, Path.Combine(directory, "files"));
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (server._errors)
            {
                server._errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var ready = await server.WaitForLineAsync(line => line.StartsWith("READY ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            if (ready is null)
            {
                using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
                {
                    try
                    {
                        await process.WaitForExitAsync(exit.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        // Still running without having printed READY: reported below.
                    }
                }
                if (process.HasExited && process.ExitCode == 3)
                {
                    InteropPeers.Unavailable($"the grpcio interop server cannot run here: {server.Errors}");
                }
                Assert.Fail($"agent_server.py did not print READY: exit {(process.HasExited ? process.ExitCode : "none")}: {server.Errors}");
            }
            server.Port = int.Parse(ready!["READY ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            server.Address = $"{(serverCertificate is null ? "http" : "https")}://127.0.0.1:{server.Port}";
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>The JSON of the first "EVENT {...}" line that satisfies <paramref name="match"/>, waiting for it up to <paramref name="timeout"/>.</summary>
    public async Task<JsonElement?> WaitForEventAsync(Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var line = await WaitForLineAsync(l => l.StartsWith("EVENT ", StringComparison.Ordinal) && match(Parse(l)), timeout);
        return line is null ? null : Parse(line);

        static JsonElement Parse(string l) => JsonDocument.Parse(l["EVENT ".Length..]).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                Signals.Terminate(_process.Id);
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _process.WaitForExitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            _process.Dispose();
            _lineArrived.Dispose();
            System.IO.Directory.Delete(Path.GetDirectoryName(Directory)!, recursive: true);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lines)
        {
            _lines.Add(line);
        }
        _lineArrived.Release();
    }

    private async Task<string?> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (_lines)
            {
                var found = _lines.FirstOrDefault(match);
                if (found is not null)
                {
                    return found;
                }
            }
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero || _process.HasExited && !await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200)))
            {
                lock (_lines)
                {
                    return _lines.FirstOrDefault(match);
                }
            }
            await _lineArrived.WaitAsync(left);
        }
    }
}

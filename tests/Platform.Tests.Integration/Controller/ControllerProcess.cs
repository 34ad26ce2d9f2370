using System.Diagnostics;
using System.Text;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// The published controller (<c>$PLATFORM_TEST_STATE/bin/controller</c>) as a private process:
/// its own database, empty config dir, free REST and gRPC ports on 127.0.0.1. Started when
/// /healthz answers 200 (migrations applied); stopped with SIGTERM, or killed like a crash.
/// </summary>
internal sealed class ControllerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ControllerProcess(Process process, string directory, string restUrl, string grpcUrl)
    {
        _process = process;
        Directory = directory;
        RestUrl = restUrl;
        GrpcUrl = grpcUrl;
    }

    public string Directory { get; }

    public string RestUrl { get; }

    public string GrpcUrl { get; }

    public int Pid => _process.Id;

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

    /// <summary>Starts a controller on <paramref name="connectionString"/>; <paramref name="restUrl"/>/<paramref name="grpcUrl"/> reuse a previous one's ports.</summary>
    public static async Task<ControllerProcess> StartAsync(string connectionString, IReadOnlyDictionary<string, string> settings, string? restUrl = null, string? grpcUrl = null)
    {
        var dll = TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "controller", "Platform.Controller.dll"), "the published controller");
        var directory = System.IO.Directory.CreateTempSubdirectory("platform-controller-").FullName;
        restUrl ??= $"http://127.0.0.1:{AgentProcess.FreeLoopbackPort()}";
        grpcUrl ??= $"http://127.0.0.1:{AgentProcess.FreeLoopbackPort()}";
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(dll);
        var environment = startInfo.Environment;
        environment["PLATFORM_CONFIG_DIR"] = directory;
        environment["PLATFORM_ConnectionStrings__Inventory"] = connectionString;
        environment["PLATFORM_Kestrel__Endpoints__Rest__Url"] = restUrl;
        environment["PLATFORM_Kestrel__Endpoints__Rest__Protocols"] = "Http1";
        environment["PLATFORM_Kestrel__Endpoints__Grpc__Url"] = grpcUrl;
        environment["PLATFORM_Kestrel__Endpoints__Grpc__Protocols"] = "Http2";
        foreach (var (key, value) in settings)
        {
            environment["PLATFORM_" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start dotnet");
        process.StandardInput.Close();
        var controller = new ControllerProcess(process, directory, restUrl, grpcUrl);
        process.OutputDataReceived += (_, e) => controller.Append(e.Data);
        process.ErrorDataReceived += (_, e) => controller.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Eventually.HoldsAsync(async () =>
            {
                Assert.That(process.HasExited, Is.False, () => $"controller exited with {process.ExitCode}: {controller.Output}");
                try
                {
                    using var response = await Http.GetAsync(new Uri($"{restUrl}/healthz"));
                    return response.IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), $"private controller healthy at {restUrl}");
        }
        catch
        {
            await controller.DisposeAsync();
            throw;
        }
        return controller;
    }

    /// <summary>SIGKILL: nothing of the controller runs on the way out.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync();
    }

    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }
        Signals.Terminate(_process.Id);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            throw new TimeoutException($"controller {_process.Id} did not stop within 20 s of SIGTERM: {Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
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

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}

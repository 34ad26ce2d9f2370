using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// The published controller (<c>$PLATFORM_TEST_STATE/bin/controller</c>) as a private process:
/// its own database, empty config dir, free REST and gRPC ports on 127.0.0.1; the gRPC endpoint
/// is https:// when the settings give it a certificate. Started when /healthz answers 200
/// (migrations applied); stopped with SIGTERM, or killed like a crash.
/// </summary>
internal sealed class ControllerProcess : IAsyncDisposable
{
    private const string GrpcCertificate = "Kestrel:Endpoints:Grpc:Certificate:Path";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly DaemonProcess _daemon;

    private ControllerProcess(DaemonProcess daemon, string directory, string restUrl, string grpcUrl)
    {
        _daemon = daemon;
        Directory = directory;
        RestUrl = restUrl;
        GrpcUrl = grpcUrl;
    }

    public string Directory { get; }

    public string RestUrl { get; }

    public string GrpcUrl { get; }

    public int Pid => _daemon.Pid;

    public string Output => _daemon.Output;

    /// <summary>Starts a controller on <paramref name="connectionString"/>; <paramref name="restUrl"/>/<paramref name="grpcUrl"/> reuse a previous one's ports.</summary>
    public static async Task<ControllerProcess> StartAsync(string connectionString, IReadOnlyDictionary<string, string> settings, string? restUrl = null, string? grpcUrl = null)
    {
        var dll = TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "controller", "Platform.Controller.dll"), "the published controller");
        var directory = System.IO.Directory.CreateTempSubdirectory("platform-controller-").FullName;
        restUrl ??= $"http://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}";
        grpcUrl ??= $"{(settings.ContainsKey(GrpcCertificate) ? "https" : "http")}://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}";
        var environment = new Dictionary<string, string>
        {
            ["PLATFORM_CONFIG_DIR"] = directory,
            [DaemonProcess.Setting("ConnectionStrings:Inventory")] = connectionString,
            [DaemonProcess.Setting("Kestrel:Endpoints:Rest:Url")] = restUrl,
            [DaemonProcess.Setting("Kestrel:Endpoints:Rest:Protocols")] = "Http1",
            [DaemonProcess.Setting("Kestrel:Endpoints:Grpc:Url")] = grpcUrl,
            [DaemonProcess.Setting("Kestrel:Endpoints:Grpc:Protocols")] = "Http2",
        };
        foreach (var (key, value) in settings)
        {
            environment[DaemonProcess.Setting(key)] = value;
        }

        var controller = new ControllerProcess(DaemonProcess.Start("controller", dll, environment), directory, restUrl, grpcUrl);
        try
        {
            await controller._daemon.WaitUntilAsync(controller.IsHealthyAsync, TimeSpan.FromSeconds(60), $"private controller healthy at {restUrl}");
        }
        catch
        {
            await controller.DisposeAsync();
            throw;
        }
        return controller;
    }

    /// <summary>SIGKILL: nothing of the controller runs on the way out.</summary>
    public Task KillAsync() => _daemon.KillAsync();

    public Task StopAsync() => _daemon.StopAsync(StopTimeout);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _daemon.DisposeAsync(StopTimeout);
        }
        finally
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private async Task<bool> IsHealthyAsync()
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"{RestUrl}/healthz"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}

using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// The published controller (<c>$PLATFORM_TEST_STATE/bin/controller</c>) as a private process:
/// its own database, empty config dir, free REST and gRPC ports on 127.0.0.1; the gRPC endpoint
/// is https:// when the settings give it a certificate. Started when /healthz answers 200
/// (migrations applied). Its first admin comes from a password file as with <c>up</c>, one
/// password per database (replicas and restarts share it), and it is started with an admin's
/// API token for the tests to call with (<see cref="Token"/>). Stopped with SIGTERM, or killed
/// like a crash.
/// </summary>
internal sealed class ControllerProcess : IAsyncDisposable
{
    private const string GrpcCertificate = "Kestrel:Endpoints:Grpc:Certificate:Path";
    public const string AdminName = "admin";

    // The first admin's password of each database: a replica or a restart finds the admin made by the first.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> AdminPasswords = new();
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
    private static readonly HttpClient Http = new(TrustedTestAuthorities.Handler()) { Timeout = TimeSpan.FromSeconds(5) };

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

    /// <summary>The first admin's password (the same for every controller on this database).</summary>
    public string AdminPassword { get; private set; } = "";

    /// <summary>An API token of the first admin, made when the controller started.</summary>
    public string Token { get; private set; } = "";

    public string Output => _daemon.Output;

    /// <summary>Starts a controller on <paramref name="connectionString"/>; <paramref name="restUrl"/>/<paramref name="grpcUrl"/> reuse a previous one's ports.</summary>
    public static async Task<ControllerProcess> StartAsync(string connectionString, IReadOnlyDictionary<string, string> settings, string? restUrl = null, string? grpcUrl = null)
    {
        var dll = TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "controller", "Platform.Controller.dll"), "the published controller");
        var directory = System.IO.Directory.CreateTempSubdirectory("platform-controller-").FullName;
        // HTTPS with the controller's certificate, as up serves it; plain http on loopback without one.
        var tls = settings.TryGetValue(GrpcCertificate, out var certificate);
        restUrl ??= $"{(tls ? "https" : "http")}://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}";
        grpcUrl ??= $"{(settings.ContainsKey(GrpcCertificate) ? "https" : "http")}://127.0.0.1:{DaemonProcess.FreeLoopbackPort()}";
        var database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database ?? "";
        var password = AdminPasswords.GetOrAdd(database, _ => TestSecrets.Record(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18)), "first admin password"));
        var passwordFile = Path.Combine(directory, "admin-password");
        File.WriteAllText(passwordFile, password + "\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var environment = new Dictionary<string, string>
        {
            [DaemonProcess.Setting("Security:InitialAdminPasswordFile")] = passwordFile,
            ["PLATFORM_CONFIG_DIR"] = directory,
            [DaemonProcess.Setting("ConnectionStrings:Inventory")] = connectionString,
            [DaemonProcess.Setting("Kestrel:Endpoints:Rest:Url")] = restUrl,
            [DaemonProcess.Setting("Kestrel:Endpoints:Rest:Protocols")] = "Http1",
            [DaemonProcess.Setting("Kestrel:Endpoints:Grpc:Url")] = grpcUrl,
            [DaemonProcess.Setting("Kestrel:Endpoints:Grpc:Protocols")] = "Http2",
        };
        if (tls && restUrl.StartsWith("https:", StringComparison.Ordinal))
        {
            environment[DaemonProcess.Setting("Kestrel:Endpoints:Rest:Certificate:Path")] = certificate!;
            environment[DaemonProcess.Setting("Kestrel:Endpoints:Rest:Certificate:KeyPath")] = settings["Kestrel:Endpoints:Grpc:Certificate:KeyPath"];
        }
        foreach (var (key, value) in settings)
        {
            environment[DaemonProcess.Setting(key)] = value;
        }

        var controller = new ControllerProcess(DaemonProcess.Start("controller", dll, environment), directory, restUrl, grpcUrl);
        try
        {
            await controller._daemon.WaitUntilAsync(controller.IsHealthyAsync, TimeSpan.FromSeconds(60), $"private controller healthy at {restUrl}");
            controller.AdminPassword = password;
            controller.Token = await ApiSignIn.CreateTokenAsync(restUrl, AdminName, password);
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

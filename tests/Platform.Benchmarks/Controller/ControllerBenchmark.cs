using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using Platform.Benchmarks.Grpc;
using Platform.Benchmarks.Infrastructure;

namespace Platform.Benchmarks.Controller;

/// <summary>
/// The controller at scale, on the running environment (PLATFORM_STATE): a private database
/// with 100k instances and volumes behind the published controller, REST list/search measured
/// against the same SQL run directly; then instance create-to-running through the controller
/// against the same agent calls made directly, with a private agent registered to it.
/// </summary>
internal sealed partial class ControllerBenchmark(ControllerBenchmarkOptions options)
{
    public const string Usage = """
        usage: Platform.Benchmarks controller [options]
          --state DIR         the running environment (env PLATFORM_STATE, default /var/lib/platform):
                              its postgres.env, ceph.env and libvirt.env are used, nothing is stopped
          --instances N       instances bulk-loaded (default 100000); --volumes N likewise (default 100000)
          --concurrency LIST  HTTP/1.1 clients per case (default 1,8,32)
          --warmup S          seconds before measuring each case (default 2); --duration S measured (default 5)
          --creates N         instance creates per side (default 5)
          --saves N           driver-disk saves per side (default 3); --change-mib N the change each saves (default 200)
          --only rest|create|driver-center|auth  one part of the benchmark
          --controller PATH   a built Platform.Controller.dll (env PLATFORM_BENCH_CONTROLLER_DLL); --agent PATH
                              a built Platform.Agent.dll (env PLATFORM_BENCH_AGENT_DLL); default: publish
                              both from this repository (Release)
          --verbose           print every query plan in full
        A fresh database (dropped at the end), a private controller and agent on 127.0.0.1.
        Prints tables and the goals (PASS/MISS); exits 0 whatever the numbers, 1 if the run broke.
        """;

    private const double P99GoalMs = 20;
    private const double RateGoal = 3000;
    private const double CreateRatioGoal = 1.10;
    private const double CreateSlackMs = 50;

    private static readonly Lock Gate = new();
    private static readonly List<Func<Task>> Cleanup = [];

    private string _runDirectory = null!;
    private string _adminConnection = null!;
    private string _applicationConnection = null!;
    private string _applicationRole = null!;
    private string _databaseName = null!;
    private NpgsqlDataSource _database = null!;
    private ChildProcess? _controller;
    private string _restUrl = null!;
    private string _grpcUrl = null!;
    private string? _controllerWarning;
    private string? _agentWarning;

    public static Task<int> MainAsync(string[] args, Assembly assembly) =>
        BenchmarkMain.RunAsync(args, Usage, a => ControllerBenchmarkOptions.Parse(a, assembly), options => new ControllerBenchmark(options).RunAsync(), () =>
        {
            // The clean-up talks to the controller and the database: it runs before the children stop.
            RunCleanupAsync().GetAwaiter().GetResult();
            ChildProcess.Registry.StopAll();
        });

    private static void OnCleanUp(Func<Task> step)
    {
        lock (Gate)
        {
            Cleanup.Add(step);
        }
    }

    /// <summary>Runs the clean-up steps last-registered first, once each; returns what failed.</summary>
    private static async Task<List<string>> RunCleanupAsync()
    {
        var failures = new List<string>();
        while (true)
        {
            Func<Task> step;
            lock (Gate)
            {
                if (Cleanup.Count == 0)
                {
                    return failures;
                }
                step = Cleanup[^1];
                Cleanup.RemoveAt(Cleanup.Count - 1);
            }
            try
            {
                await step();
            }
#pragma warning disable CA1031 // Clean-up goes on whatever one step throws; failures are reported.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures.Add(e.Message.Split('\n')[0]);
            }
        }
    }

    public async Task RunAsync()
    {
        var clock = Stopwatch.StartNew();
        var postgres = ReadEnv("postgres");
        // The superuser creates the database; the controller (and the benchmark's own queries, as
        // the controller runs them) connect as the application role that owns it.
        _adminConnection = postgres["PLATFORM_PG_ADMIN_CONNECTION"];
        _applicationConnection = postgres["PLATFORM_PG_CONNECTION"];
        _applicationRole = postgres["PLATFORM_PG_ROLE"];
        // Under /var/tmp (not a private /tmp) and world-readable: libvirt's qemu writes the serial logs there.
        _runDirectory = Path.Combine("/var/tmp", "platform-bench-controller-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_runDirectory);
        File.SetUnixFileMode(_runDirectory, (UnixFileMode)0b111_101_101);
        OnCleanUp(() =>
        {
            Directory.Delete(_runDirectory, recursive: true);
            return Task.CompletedTask;
        });
        List<string> failures;
        try
        {
            await RunPartsAsync();
        }
        finally
        {
            failures = await RunCleanupAsync();
        }
        Console.WriteLine();
        foreach (var failure in failures)
        {
            Console.WriteLine($"warning: clean-up: {failure}");
        }
        Console.WriteLine($"run time {clock.Elapsed.TotalSeconds:F0} s (this process, after the build; includes publishing, loading and clean-up)");
    }

    private async Task RunPartsAsync()
    {
        var controllerDll = options.ControllerDll ?? await PublishAsync("controller/Platform.Controller/Platform.Controller.csproj", "Platform.Controller.dll", w => _controllerWarning = w);
        // The agent publishes while the database loads (nothing is measured then).
        var agentDll = options.Only is "rest" or "auth" ? Task.FromResult("")
            : options.AgentDll is { } given ? Task.FromResult(given)
            : PublishAsync("agent/Platform.Agent/Platform.Agent.csproj", "Platform.Agent.dll", w => _agentWarning = w);

        await CreateDatabaseAsync();
        await StartControllerAsync(controllerDll);
        PrintSetup(controllerDll);

        RestReport? rest = null;
        if (options.Only is null or "rest")
        {
            Progress($"loading {options.Instances:N0} instances, {options.Volumes:N0} volumes, their images, hosts, network and NICs");
            var loaded = await Inventory.LoadAsync(_database, options.Instances, options.Volumes, options.Hosts, options.Images);
            Progress($"loaded: {loaded}");
            await agentDll;
            rest = await MeasureRestAsync(loaded);
            PrintRest(rest);
        }
        if (options.Only is null or "create")
        {
            var creates = await MeasureCreatesAsync(await agentDll);
            PrintCreates(creates);
        }
        if (options.Only is null or "driver-center")
        {
            PrintDriverCenter(await MeasureDriverCenterAsync(await agentDll));
        }
        if (options.Only is null or "auth")
        {
            PrintAuth(await MeasureAuthAsync());
        }
    }

    // ---- Environment, database, controller ----

    private Dictionary<string, string> ReadEnv(string component)
    {
        var path = Path.Combine(options.StateDirectory, component + ".env");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no {path}: is the environment under {options.StateDirectory} running (--state, PLATFORM_STATE)?", path);
        }
        return File.ReadAllLines(path).Where(l => l.Contains('=', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]);
    }

    private async Task CreateDatabaseAsync()
    {
        _databaseName = "bench_ctl_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(_adminConnection))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_databaseName} OWNER {_applicationRole}", admin);
            await create.ExecuteNonQueryAsync();
        }
        OnCleanUp(async () =>
        {
            await _database.DisposeAsync();
            await using var admin = new NpgsqlConnection(_adminConnection);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
            Progress($"dropped database {_databaseName}");
        });
        // As the controller's data source: statements prepared per connection.
        _database = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(DatabaseConnection) { MaxAutoPrepare = 64 }.ConnectionString);
        Progress($"created database {_databaseName}");
    }

    private string DatabaseConnection => new NpgsqlConnectionStringBuilder(_applicationConnection) { Database = _databaseName }.ConnectionString;

    private async Task StartControllerAsync(string dll)
    {
        var config = Directory.CreateDirectory(Path.Combine(_runDirectory, "controller-config")).FullName;
        _restUrl = $"http://127.0.0.1:{ProcessCpu.FreeLoopbackPort()}";
        _grpcUrl = $"http://127.0.0.1:{ProcessCpu.FreeLoopbackPort()}";
        var controller = ChildProcess.Start("controller", "dotnet", [dll], new Dictionary<string, string>
        {
            ["PLATFORM_CONFIG_DIR"] = config,
            ["PLATFORM_ConnectionStrings__Inventory"] = DatabaseConnection,
            ["PLATFORM_Kestrel__Endpoints__Rest__Url"] = _restUrl,
            ["PLATFORM_Kestrel__Endpoints__Rest__Protocols"] = "Http1",
            ["PLATFORM_Kestrel__Endpoints__Grpc__Url"] = _grpcUrl,
            ["PLATFORM_Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            ["PLATFORM_DriverCenter__HostId"] = _driverCenterHostId,
            ["PLATFORM_Security__InitialAdminPasswordFile"] = AdminPasswordFile(config),
            // The authentication part signs in as fast as it can; the limit is per address and minute.
            ["PLATFORM_Security__SignInAttemptsPerMinute"] = "10000",
        });
        _controller = controller;
        var pid = controller.Pid;
        OnCleanUp(() =>
        {
            controller.Dispose();
            Progress($"controller pid {pid} stopped");
            return Task.CompletedTask;
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var began = Stopwatch.StartNew();
        while (true)
        {
            if (controller.HasExited)
            {
                throw new InvalidOperationException($"the controller exited at start ({controller.ExitCode}):\n{controller.Output}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri($"{_restUrl}/healthz"));
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            if (began.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"the controller is not healthy after 60 s:\n{controller.Output}");
            }
            await Task.Delay(100);
        }
        Progress($"controller pid {controller.Pid} healthy at {_restUrl} (gRPC {_grpcUrl}) in {began.Elapsed.TotalSeconds:F1} s; migrations applied");
        _adminPassword = File.ReadAllText(AdminPasswordFile(config)).Trim();
        _token = await CreateTokenAsync(_adminPassword);
    }

    private string _token = "";
    private string _adminPassword = "";

    /// <summary>A client of the controller's REST API with the benchmark admin's token, as a script calls it.</summary>
    private HttpClient RestClient(TimeSpan? timeout = null, HttpMessageHandler? handler = null)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.BaseAddress = new Uri(_restUrl);
        http.Timeout = timeout ?? TimeSpan.FromSeconds(100);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _token);
        return http;
    }

    private static string AdminPasswordFile(string config)
    {
        var file = Path.Combine(config, "admin-password");
        if (!File.Exists(file))
        {
            File.WriteAllText(file, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18)) + "\n");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return file;
    }

    /// <summary>Signs in as the first admin (a session, as the console) and makes an API token with it.</summary>
    private async Task<string> CreateTokenAsync(string password)
    {
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = new Uri(_restUrl) };
        using var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { name = "admin", password });
        var csrf = JsonDocument.Parse(await login.EnsureSuccessStatusCode().Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("csrf_token").GetString()!;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/tokens/create") { Content = JsonContent.Create(new { name = "benchmark" }) };
        request.Headers.Add("X-CSRF-Token", csrf);
        using var created = await http.SendAsync(request);
        return JsonDocument.Parse(await created.EnsureSuccessStatusCode().Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("token").GetString()!;
    }

    /// <summary>dotnet publish -c Release as `platform bench` builds; the last Release build if the tree does not build now.</summary>
    private async Task<string> PublishAsync(string project, string dllName, Action<string> warn)
    {
        var projectPath = Path.Combine(options.RepositoryRoot, project);
        var output = Path.Combine(_runDirectory, Path.GetFileNameWithoutExtension(dllName) + "-bin");
        var began = Stopwatch.StartNew();
        using var publish = ChildProcess.Start("dotnet publish", "dotnet",
            ["publish", projectPath, "-c", "Release", "-o", output, "-nologo", "-v", "quiet", "-clp:ErrorsOnly"]);
        await publish.WaitForExitAsync();
        if (publish.ExitCode == 0)
        {
            Progress($"published {dllName} (Release) in {began.Elapsed.TotalSeconds:F1} s");
            return Path.Combine(output, dllName);
        }
        var lastBuild = Path.Combine(Path.GetDirectoryName(projectPath)!, "bin", "Release", "net10.0", dllName);
        if (!File.Exists(lastBuild))
        {
            throw new InvalidOperationException($"dotnet publish {project} failed (exit {publish.ExitCode}):\n{publish.Output}");
        }
        var warning = $"{project} does not build now (exit {publish.ExitCode}); using its last build, {lastBuild} of {File.GetLastWriteTime(lastBuild):yyyy-MM-dd HH:mm}";
        warn(warning);
        Progress($"{warning}:\n{publish.Output.Trim()}");
        return lastBuild;
    }

    private void PrintSetup(string controllerDll)
    {
        Console.WriteLine("Controller benchmark: REST list/search at scale vs the same SQL, and instance create-to-running vs the agent called directly");
        Console.WriteLine($"  machine     {Environment.ProcessorCount} CPUs, {RuntimeInformation.OSDescription}; client: this process ({RuntimeInformation.FrameworkDescription})");
        Console.WriteLine($"  controller  {controllerDll} (pid {_controller!.Pid}), REST HTTP/1.1 {_restUrl}, gRPC {_grpcUrl}");
        foreach (var warning in new[] { _controllerWarning, _agentWarning }.OfType<string>())
        {
            Console.WriteLine($"              WARNING: {warning}");
        }
        Console.WriteLine($"  database    {_databaseName} (fresh, dropped at the end) on {PostgresAddress}; environment {options.StateDirectory}");
        Console.WriteLine();
    }

    private string PostgresAddress => new NpgsqlConnectionStringBuilder(_applicationConnection) is var b ? $"{b.Host}:{b.Port}" : "";

    internal static void Progress(string message) => GrpcBenchmark.Progress(message);

    private static string Ms(double ms) => ms >= 100 ? $"{ms:F0} ms" : ms >= 10 ? $"{ms:F1} ms" : $"{ms:F2} ms";

    private static string Number(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ratio(double value) => $"{value:F2}×";

    private static void PrintRows(List<string[]> rows, int rightAlignedFrom = 1) => GrpcBenchmark.PrintRows(rows, rightAlignedFrom);

    private static readonly byte[] CodeZero = Encoding.ASCII.GetBytes("\"code\":0,");
}

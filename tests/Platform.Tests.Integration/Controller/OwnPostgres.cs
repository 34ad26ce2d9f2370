using System.Globalization;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// A PostgreSQL of a fixture's own — the environment's postgres.sh under a private state
/// directory, on ports from <paramref name="portBase"/> — that the fixture can stop and start.
/// </summary>
internal sealed class OwnPostgres(string name, int portBase)
{
    private string? _state;

    private string State => _state ?? throw new InvalidOperationException("not started");

    /// <summary>Makes and starts it; answers its postgres.env (the superuser's and the application role's connections).</summary>
    public async Task<ComponentSettings> StartAsync()
    {
        _state = Path.Combine("/var/tmp", $"platform-{name}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(_state);
        // PostgreSQL runs as its own user and must reach its data directory.
        File.SetUnixFileMode(_state, (UnixFileMode)0b111_101_101);
        (await RunAsync("start")).EnsureSuccess();
        return ComponentSettings.Load(Path.Combine(_state, "postgres.env"));
    }

    /// <summary>postgres.sh start|stop|status on this instance.</summary>
    public Task<ProcessResult> RunAsync(string action) =>
        ChildProcess.RunAsync(Path.Combine(TestEnvironment.Scripts, "postgres.sh"), [action], TimeSpan.FromMinutes(2), new Dictionary<string, string?>
        {
            ["PLATFORM_STATE"] = State,
            ["PLATFORM_PORT_BASE"] = portBase.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>Stops it and removes its data.</summary>
    public async Task RemoveAsync()
    {
        if (_state is not null)
        {
            await RunAsync("stop");
            Directory.Delete(_state, recursive: true);
        }
    }
}

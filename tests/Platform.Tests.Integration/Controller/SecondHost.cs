using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// A second simulated compute host on this machine: its own libvirtd in its own mount and PID
/// namespaces (the environment's libvirt.sh under a private state directory) and its own bridge.
/// </summary>
internal sealed class SecondHost : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _environment;

    private SecondHost(string stateDirectory, ComponentSettings libvirt)
    {
        StateDirectory = stateDirectory;
        LibvirtUri = libvirt["PLATFORM_LIBVIRT_URI"];
        Bridge = libvirt["PLATFORM_BRIDGE"];
        _environment = EnvironmentFor(stateDirectory);
    }

    public string StateDirectory { get; }

    public string LibvirtUri { get; }

    public string Bridge { get; }

    public string WorkDirectory => Path.Combine(StateDirectory, "work");

    public static async Task<SecondHost> StartAsync()
    {
        var state = Path.Combine(TestEnvironment.StateDirectory, "tests", "host2-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(state, "work"));
        (await ChildProcess.RunAsync("bash", [Script, "start"], TimeSpan.FromMinutes(2), EnvironmentFor(state))).EnsureSuccess();
        return new SecondHost(state, ComponentSettings.Load(Path.Combine(state, "libvirt.env")));
    }

    public Task<string> Virsh(params string[] arguments) => ChildProcess.OutputOfAsync("virsh", ["-c", LibvirtUri, .. arguments]);

    public async ValueTask DisposeAsync()
    {
        (await ChildProcess.RunAsync("bash", [Script, "stop"], TimeSpan.FromMinutes(2), _environment)).EnsureSuccess();
        Directory.Delete(StateDirectory, recursive: true);
    }

    private static string Script => Path.Combine(TestEnvironment.Scripts, "libvirt.sh");

    // Only libvirt runs under this state directory; the port base keeps its ports (none today) apart.
    private static Dictionary<string, string?> EnvironmentFor(string state) => new()
    {
        ["PLATFORM_STATE"] = state,
        ["PLATFORM_PORT_BASE"] = "29000",
    };
}

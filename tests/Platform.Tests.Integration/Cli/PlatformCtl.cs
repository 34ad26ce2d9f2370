using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Cli;

/// <summary>
/// The published platformctl (<c>$PLATFORM_TEST_STATE/bin/platformctl</c>, as `./platform build`
/// leaves it) run as a process: no terminal, so progress comes as plain lines on standard error.
/// </summary>
internal sealed class PlatformCtl(string endpoint, IReadOnlyDictionary<string, string?> environment)
{
    public static string Executable => TestEnvironment.RequireFile(Path.Combine(TestEnvironment.BinDirectory, "platformctl", "platformctl"), "the published platformctl");

    public static PlatformCtl For(string endpoint, string? token = null, string? authority = null, string? certificate = null, string? key = null) =>
        new(endpoint, new Dictionary<string, string?>
        {
            // Nothing of the machine's or the user's configuration leaks in.
            ["HOME"] = Path.GetTempPath(),
            ["XDG_CONFIG_HOME"] = Path.Combine(Path.GetTempPath(), "platformctl-tests-no-config"),
            ["PLATFORMCTL_ENDPOINT"] = endpoint,
            ["PLATFORMCTL_TOKEN"] = token,
            ["PLATFORMCTL_CA"] = authority,
            ["PLATFORMCTL_CERT"] = certificate,
            ["PLATFORMCTL_KEY"] = key,
        });

    public string Endpoint => endpoint;

    public Task<ProcessResult> RunAsync(params string[] arguments) => RunAsync(TimeSpan.FromMinutes(2), arguments);

    public Task<ProcessResult> RunAsync(TimeSpan timeout, params string[] arguments) =>
        ChildProcess.RunAsync(Executable, arguments, timeout, environment);

    /// <summary>Runs with <c>--output json</c>, expects exit 0, and answers the printed data.</summary>
    public async Task<JsonElement> JsonAsync(params string[] arguments)
    {
        var result = await RunAsync([.. arguments, "--output", "json"]);
        Assert.That(result.ExitCode, Is.Zero, $"{result.Command}: {result.StandardError}");
        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.Clone();
    }
}

using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Cli;

/// <summary>
/// platformctl is also a .NET tool, for a machine without the controller's package: the build's
/// package installs with <c>dotnet tool install</c> from a folder (no other source, nothing from
/// the network) and runs as the version in VERSION.
/// </summary>
[TestFixture]
public sealed class PlatformCtlToolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Test]
    public async Task The_tool_package_installs_from_a_folder_and_runs()
    {
        var work = Directory.CreateTempSubdirectory("platformctl-tool-");
        try
        {
            var feed = Path.Combine(work.FullName, "feed");
            var tools = Path.Combine(work.FullName, "tools");
            var config = Path.Combine(work.FullName, "nuget.config");
            // Only the folder: no other package source is asked.
            await File.WriteAllTextAsync(config,
                $"""<?xml version="1.0" encoding="utf-8"?><configuration><packageSources><clear /><add key="feed" value="{feed}" /></packageSources></configuration>""");
            var project = Path.Combine(TestEnvironment.RepositoryRoot, "controller", "Platform.Cli", "Platform.Cli.csproj");
            var version = (await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "VERSION"))).Trim();

            // The configuration this suite was built in, whose build the pack reuses.
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            (await ChildProcess.RunAsync("dotnet", ["pack", project, "-c", configuration, "--no-build", "-nologo", "-o", feed], Timeout)).EnsureSuccess();
            (await ChildProcess.RunAsync("dotnet", ["tool", "install", "platformctl", "--tool-path", tools, "--configfile", config], Timeout)).EnsureSuccess();
            var shown = await ChildProcess.RunAsync(Path.Combine(tools, "platformctl"), ["--version"], Timeout);
            var help = await ChildProcess.RunAsync(Path.Combine(tools, "platformctl"), ["volume", "create", "--help"], Timeout);

            Assert.Multiple(() =>
            {
                Assert.That(File.Exists(Path.Combine(feed, $"platformctl.{version}.nupkg")), Is.True, "the package is named by VERSION");
                Assert.That(shown.StandardOutput.Trim(), Does.StartWith(version), "the installed tool's version");
                Assert.That(shown.ExitCode, Is.Zero, shown.StandardError);
                Assert.That(help.ExitCode, Is.Zero, help.StandardError);
                Assert.That(help.StandardOutput, Does.Contain("--volume-name"), "the installed tool knows the REST operations");
            });
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}

using Microsoft.Extensions.Configuration;
using Platform.Common.Hosting;

namespace Platform.Tests.Unit.Common;

public class PlatformConfigurationTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateConfigDirectory() =>
        _directory = Directory.CreateTempSubdirectory("platform-config-").FullName;

    [TearDown]
    public void RemoveConfigDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Component_file_overrides_common_file_and_defaults()
    {
        File.WriteAllText(Path.Combine(_directory, "common.json"), """{"A": "common", "B": "common"}""");
        File.WriteAllText(Path.Combine(_directory, "agent.json"), """{"B": "agent"}""");
        File.WriteAllText(Path.Combine(_directory, "controller.json"), """{"A": "controller", "B": "controller"}""");

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["A"] = "default", ["C"] = "default" })
            .AddPlatformSources("agent", [], _directory)
            .Build();

        Assert.Multiple(() =>
        {
            Assert.That(configuration["A"], Is.EqualTo("common"));
            Assert.That(configuration["B"], Is.EqualTo("agent"));
            Assert.That(configuration["C"], Is.EqualTo("default"));
        });
    }

    [Test]
    public void Prefixed_environment_variable_overrides_files_and_command_line_overrides_both()
    {
        // A unique section so no other test or process variable can interfere.
        var section = "Test" + Guid.NewGuid().ToString("N");
        var variable = $"PLATFORM_{section}__Key";
        File.WriteAllText(Path.Combine(_directory, "agent.json"), $$$"""{"{{{section}}}": {"Key": "file", "Other": "file"}}""");
        Environment.SetEnvironmentVariable(variable, "environment");
        try
        {
            var fromEnvironment = new ConfigurationBuilder().AddPlatformSources("agent", [], _directory).Build();
            var fromCommandLine = new ConfigurationBuilder().AddPlatformSources("agent", [$"--{section}:Key=command-line"], _directory).Build();

            Assert.Multiple(() =>
            {
                Assert.That(fromEnvironment[$"{section}:Key"], Is.EqualTo("environment"));
                Assert.That(fromEnvironment[$"{section}:Other"], Is.EqualTo("file"));
                Assert.That(fromCommandLine[$"{section}:Key"], Is.EqualTo("command-line"));
            });
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Test]
    public void Missing_directory_is_not_an_error()
    {
        var configuration = new ConfigurationBuilder()
            .AddPlatformSources("agent", [], Path.Combine(_directory, "absent"))
            .Build();

        Assert.That(configuration.AsEnumerable().Where(kv => kv.Key.StartsWith("PLATFORM_", StringComparison.Ordinal)), Is.Empty);
    }
}

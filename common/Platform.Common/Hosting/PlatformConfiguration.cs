using Microsoft.Extensions.Configuration;

namespace Platform.Common.Hosting;

/// <summary>
/// The configuration layers every Platform daemon reads, lowest priority first:
/// appsettings*.json (added by the host builder), <c>/etc/platform/common.json</c>,
/// <c>/etc/platform/{component}.json</c>, environment variables prefixed <c>PLATFORM_</c>,
/// then the command line.
/// </summary>
public static class PlatformConfiguration
{
    public const string DefaultConfigDirectory = "/etc/platform";

    /// <summary>Overrides <see cref="DefaultConfigDirectory"/>; the dev and test environments point it at their state directory.</summary>
    public const string ConfigDirectoryVariable = "PLATFORM_CONFIG_DIR";

    public const string EnvironmentPrefix = "PLATFORM_";

    public static IConfigurationBuilder AddPlatformSources(
        this IConfigurationBuilder configuration, string component, string[] args, string? configDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(component);
        configDirectory ??= Environment.GetEnvironmentVariable(ConfigDirectoryVariable) ?? DefaultConfigDirectory;

        return configuration
            .AddJsonFile(Path.Combine(configDirectory, "common.json"), optional: true, reloadOnChange: false)
            .AddJsonFile(Path.Combine(configDirectory, component + ".json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddCommandLine(args);
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Serilog.Events;

namespace Platform.Common.Logging;

/// <summary>
/// The levels of the <c>Serilog</c> section, checked before Serilog's configuration reader sees
/// them: it throws on a level it does not know, which would end the daemon with a stack trace
/// instead of a line naming the key.
/// </summary>
public static class SerilogLevels
{
    public const string Section = "Serilog";

    private static readonly string[] Names = Enum.GetNames<LogEventLevel>();

    /// <summary>Throws <see cref="OptionsValidationException"/> naming every key whose level is not one of <see cref="LogEventLevel"/>'s names.</summary>
    public static void Validate(IConfiguration configuration)
    {
        var problems = Problems(configuration);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(Section, typeof(LogEventLevel), problems);
        }
    }

    /// <summary>
    /// Serilog:MinimumLevel (a level), or its Default and each Override:CATEGORY; one line per
    /// wrong level, empty when all are levels.
    /// </summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        var minimum = configuration.GetSection($"{Section}:MinimumLevel");
        var levels = new List<IConfigurationSection> { minimum, minimum.GetSection("Default") };
        levels.AddRange(minimum.GetSection("Override").GetChildren());
        return levels
            .Where(level => level.Value is { } value && !Names.Contains(value, StringComparer.OrdinalIgnoreCase))
            .Select(level => $"{level.Path} is '{level.Value}', not a level: {string.Join(", ", Names)}")
            .ToList();
    }
}

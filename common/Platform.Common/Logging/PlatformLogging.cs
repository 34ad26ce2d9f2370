using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

namespace Platform.Common.Logging;

public static class PlatformLogging
{
    // Under systemd, journald stamps each line and reads the priority prefix; elsewhere a
    // timestamp and level make the console and log files readable on their own.
    private const string JournalTemplate =
        "{SyslogPrefix}{SourceContext}: {Message:lj}{NewLine}{Exception}";
    private const string ConsoleTemplate =
        "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// Replaces the default providers with Serilog writing to stdout. Levels come from the
    /// <c>Serilog</c> configuration section (<c>MinimumLevel</c>, <c>MinimumLevel:Override</c>).
    /// </summary>
    public static ILoggingBuilder AddPlatformLogging(this ILoggingBuilder logging, IConfiguration configuration, string component)
    {
        var underJournald = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"));
        var logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .ReadFrom.Configuration(configuration)
            .Enrich.FromLogContext()
            .Enrich.With<SyslogLevelEnricher>()
            .Enrich.WithProperty("Component", component)
            .WriteTo.Console(outputTemplate: underJournald ? JournalTemplate : ConsoleTemplate, formatProvider: null)
            .CreateLogger();

        return logging.ClearProviders().AddSerilog(logger, dispose: true);
    }
}

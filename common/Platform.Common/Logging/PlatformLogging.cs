using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Platform.Common.Hosting;
using Serilog;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;

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
    /// Replaces the default providers with Serilog writing to stdout, as text or JSON
    /// (<c>Logging:Format</c>, validated now). Levels come from the <c>Serilog</c> configuration
    /// section (<c>MinimumLevel</c>, <c>MinimumLevel:Override</c>). Every event carries the
    /// current activity's trace and span ids (JSON: <c>@tr</c>, <c>@sp</c>).
    /// </summary>
    public static ILoggingBuilder AddPlatformLogging(this ILoggingBuilder logging, IConfiguration configuration, string component)
    {
        var options = configuration.GetValidated<LoggingOptions>(LoggingOptions.Section);
        SerilogLevels.Validate(configuration);
        var underJournald = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"));
        var logger = Enrich(new LoggerConfiguration(), configuration, component, options.Format);
        logger = options.Format == LogFormat.Json
            ? logger.WriteTo.Console(JsonFormatter(underJournald))
            : logger.WriteTo.Console(outputTemplate: underJournald ? JournalTemplate : ConsoleTemplate, formatProvider: null);
        return logging.ClearProviders().AddSerilog(logger.CreateLogger(), dispose: true);
    }

    /// <summary>Levels and properties, whatever the destination.</summary>
    internal static LoggerConfiguration Enrich(LoggerConfiguration logger, IConfiguration configuration, string component, LogFormat format)
    {
        logger = logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .ReadFrom.Configuration(configuration)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Component", component);
        // The JSON formatter writes the priority itself under journald, and a property would only repeat the level.
        return format == LogFormat.Text ? logger.Enrich.With<SyslogLevelEnricher>() : logger;
    }

    /// <summary>One compact JSON object (CLEF) per line; "@m" has the rendered message beside the template's properties.</summary>
    internal static ITextFormatter JsonFormatter(bool underJournald)
    {
        var json = new RenderedCompactJsonFormatter();
        return underJournald ? new JournalPriorityFormatter(json) : json;
    }
}

using Serilog.Core;
using Serilog.Events;

namespace Platform.Common.Logging;

/// <summary>
/// Adds <c>SyslogPrefix</c> ("&lt;3&gt;" … "&lt;7&gt;"): journald reads that prefix on a
/// service's stdout as the line's priority, so <c>journalctl -p warning</c> works without a
/// journald-specific sink.
/// </summary>
internal sealed class SyslogLevelEnricher : ILogEventEnricher
{
    public const string PropertyName = "SyslogPrefix";

    // Indexed by LogEventLevel, whose values run 0 (Verbose) to 5 (Fatal).
    private static readonly LogEventProperty[] Prefixes = Enum.GetValues<LogEventLevel>()
        .Select(level => new LogEventProperty(PropertyName, new ScalarValue($"<{SyslogPriority(level)}>")))
        .ToArray();

    public static int SyslogPriority(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose or LogEventLevel.Debug => 7,
        LogEventLevel.Information => 6,
        LogEventLevel.Warning => 4,
        LogEventLevel.Error => 3,
        LogEventLevel.Fatal => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) =>
        logEvent.AddPropertyIfAbsent(Prefixes[(int)logEvent.Level]);
}

using Serilog.Events;
using Serilog.Formatting;

namespace Platform.Common.Logging;

/// <summary>
/// Puts the syslog priority prefix ("&lt;6&gt;") before each line of another formatter. journald
/// strips the prefix when it stores the line, so a JSON line stays pure JSON in the journal and
/// still has its priority.
/// </summary>
internal sealed class JournalPriorityFormatter(ITextFormatter inner) : ITextFormatter
{
    public void Format(LogEvent logEvent, TextWriter output)
    {
        output.Write('<');
        output.Write(SyslogLevelEnricher.SyslogPriority(logEvent.Level));
        output.Write('>');
        inner.Format(logEvent, output);
    }
}

using Platform.Common.Logging;
using Serilog.Events;
using Serilog.Parsing;

namespace Platform.Tests.Unit.Common;

public class SyslogLevelEnricherTests
{
    [TestCase(LogEventLevel.Verbose, "<7>")]
    [TestCase(LogEventLevel.Debug, "<7>")]
    [TestCase(LogEventLevel.Information, "<6>")]
    [TestCase(LogEventLevel.Warning, "<4>")]
    [TestCase(LogEventLevel.Error, "<3>")]
    [TestCase(LogEventLevel.Fatal, "<2>")]
    public void Prefixes_each_level_with_its_syslog_priority(LogEventLevel level, string expected)
    {
        var logEvent = new LogEvent(DateTimeOffset.UtcNow, level, null, new MessageTemplateParser().Parse("x"), []);

        new SyslogLevelEnricher().Enrich(logEvent, null!);

        Assert.That(logEvent.Properties[SyslogLevelEnricher.PropertyName], Is.TypeOf<ScalarValue>()
            .With.Property(nameof(ScalarValue.Value)).EqualTo(expected));
    }
}

using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Platform.Common.Logging;
using Platform.Common.Observability;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Platform.Tests.Unit.Common;

public class PlatformLoggingTests
{
    [Test]
    public void Json_lines_are_compact_json_with_the_message_its_properties_and_the_trace()
    {
        using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        var lines = Write(LogFormat.Json, underJournald: false, logger => logger.Information("{Method} {Path} answered {StatusCode}", "GET", "/api/v1/x", 200));

        Assert.That(lines, Has.Length.EqualTo(1));
        using var json = JsonDocument.Parse(lines[0]);
        var line = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(line.GetProperty("@m").GetString(), Is.EqualTo("\"GET\" \"/api/v1/x\" answered 200"));
            Assert.That(line.GetProperty("Method").GetString(), Is.EqualTo("GET"));
            Assert.That(line.GetProperty("StatusCode").GetInt32(), Is.EqualTo(200));
            Assert.That(line.GetProperty("Component").GetString(), Is.EqualTo("controller"));
            Assert.That(line.GetProperty("@tr").GetString(), Is.EqualTo(activity.TraceId.ToHexString()));
            Assert.That(line.GetProperty("@sp").GetString(), Is.EqualTo(activity.SpanId.ToHexString()));
            Assert.That(line.TryGetProperty("@t", out _), Is.True);
            // Information is CLEF's default level, left out; the journald prefix is not a property.
            Assert.That(line.TryGetProperty("SyslogPrefix", out _), Is.False);
        });
    }

    [Test]
    public void Under_journald_a_json_line_starts_with_its_priority_which_journald_strips()
    {
        var lines = Write(LogFormat.Json, underJournald: true, logger => logger.Warning("disk {Name} is slow", "vda"));

        Assert.That(lines[0], Does.StartWith("<4>{"));
        using var json = JsonDocument.Parse(lines[0]["<4>".Length..]);
        Assert.That(json.RootElement.GetProperty("@l").GetString(), Is.EqualTo("Warning"));
    }

    [Test]
    public void Text_is_the_default_format()
    {
        var options = new ConfigurationBuilder().Build().GetSection(LoggingOptions.Section).Get<LoggingOptions>() ?? new LoggingOptions();
        Assert.That(options.Format, Is.EqualTo(LogFormat.Text));
    }

    [TestCase("json", LogFormat.Json)]
    [TestCase("JSON", LogFormat.Json)]
    [TestCase("text", LogFormat.Text)]
    public void The_format_is_read_whatever_its_case(string value, LogFormat expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:Format"] = value }).Build();
        Assert.That(configuration.GetSection(LoggingOptions.Section).Get<LoggingOptions>()!.Format, Is.EqualTo(expected));
    }

    [TestCase("/api/v1/volumes/list", 200, LogLevel.Information)]
    [TestCase("/api/v1/volumes/list", 400, LogLevel.Information)]
    [TestCase("/api/v1/volumes/list", 503, LogLevel.Warning)]
    [TestCase("/healthz", 200, LogLevel.Debug)]
    [TestCase("/metrics", 200, LogLevel.Debug)]
    [TestCase("/healthz", 503, LogLevel.Warning)]
    public void Request_lines_of_scrapes_are_debug_and_server_errors_warnings(string path, int status, LogLevel expected) =>
        Assert.That(RequestLogMiddleware.LevelOf(new PathString(path), status), Is.EqualTo(expected));

    private static string[] Write(LogFormat format, bool underJournald, Action<Serilog.ILogger> log)
    {
        using var output = new StringWriter();
        var configuration = new ConfigurationBuilder().Build();
        using (var logger = PlatformLogging.Enrich(new LoggerConfiguration(), configuration, "controller", format)
                   .WriteTo.Sink(new FormattedSink(PlatformLogging.JsonFormatter(underJournald), output)).CreateLogger())
        {
            log(logger);
        }
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>What the console sink writes, into a string.</summary>
    private sealed class FormattedSink(ITextFormatter formatter, TextWriter output) : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => formatter.Format(logEvent, output);
    }
}

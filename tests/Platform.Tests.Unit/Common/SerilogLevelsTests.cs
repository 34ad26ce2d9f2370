using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Common.Logging;

namespace Platform.Tests.Unit.Common;

/// <summary>A Serilog level that is no level stops the daemon naming its key, before Serilog's reader throws on it.</summary>
public class SerilogLevelsTests
{
    private const string Levels = "Verbose, Debug, Information, Warning, Error, Fatal";

    [Test]
    public void Levels_by_name_in_any_case_pass() =>
        Assert.That(SerilogLevels.Problems(Configuration(
            ("Serilog:MinimumLevel:Default", "information"),
            ("Serilog:MinimumLevel:Override:Microsoft.AspNetCore", "Warning"),
            ("Serilog:MinimumLevel:Override:Platform.Rpc", "Verbose"))), Is.Empty);

    [TestCase("Serilog:MinimumLevel", "Verbos")]
    [TestCase("Serilog:MinimumLevel:Default", "Infomation")]
    [TestCase("Serilog:MinimumLevel:Override:Microsoft.AspNetCore", "Loud")]
    [TestCase("Serilog:MinimumLevel:Default", "")]
    public void Anything_else_names_its_key(string key, string value) =>
        Assert.That(SerilogLevels.Problems(Configuration((key, value))), Is.EqualTo(new[] { $"{key} is '{value}', not a level: {Levels}" }));

    [Test]
    public void Logging_is_not_set_up_with_a_wrong_level()
    {
        var configuration = Configuration(("Serilog:MinimumLevel:Override:Platform", "Chatty"));

        var failure = Assert.Throws<OptionsValidationException>(() =>
            LoggerFactory.Create(logging => logging.AddPlatformLogging(configuration, "test")));

        Assert.That(failure!.Failures, Is.EqualTo(new[] { $"Serilog:MinimumLevel:Override:Platform is 'Chatty', not a level: {Levels}" }));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
}

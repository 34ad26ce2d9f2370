using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Platform.Common.Hosting;

namespace Platform.Tests.Unit.Common;

/// <summary>Which exceptions end a daemon's start with one line and a sysexits code, and which stay crashes.</summary>
public class StartupFailureTests
{
    private sealed class Sample
    {
        public TimeSpan Interval { get; set; }
    }

    [Test]
    public void A_failed_validation_gives_one_line_per_failure_and_EX_CONFIG()
    {
        var failure = StartupFailure.Classify(new OptionsValidationException("Hosts", typeof(Sample), ["Hosts:A is wrong", "Hosts:B is wrong"]));

        Assert.That(failure, Is.EqualTo((new[] { "Hosts:A is wrong", "Hosts:B is wrong" }, StartupFailure.ConfigurationExitCode)).Using<(IReadOnlyList<string>, int)>(
            (a, b) => a.Item1.SequenceEqual(b.Item1) && a.Item2 == b.Item2));
    }

    [Test]
    public void A_value_of_the_wrong_type_is_a_configuration_error_naming_its_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Hosts:Interval"] = "soon" }).Build();
        var bindingError = Assert.Catch(() => configuration.GetSection("Hosts").Get<Sample>())!;

        var failure = StartupFailure.Classify(bindingError);

        Assert.That(failure?.ExitCode, Is.EqualTo(StartupFailure.ConfigurationExitCode));
        Assert.That(failure?.Lines, Has.One.Contains("'Hosts:Interval'"));
    }

    [Test]
    public void A_configuration_file_that_is_not_json_is_a_configuration_error_naming_the_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"startup-failure-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "{ \"Hosts\": ");
        try
        {
            var loadError = Assert.Catch(() => new ConfigurationBuilder().AddJsonFile(file).Build())!;

            var failure = StartupFailure.Classify(loadError);

            Assert.That(failure?.ExitCode, Is.EqualTo(StartupFailure.ConfigurationExitCode));
            Assert.That(failure?.Lines, Has.One.Contains(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void A_startup_failure_keeps_its_own_exit_code()
    {
        var failure = StartupFailure.Classify(new StartupFailureException("the inventory database cannot be reached", StartupFailure.UnavailableExitCode));

        Assert.That(failure?.ExitCode, Is.EqualTo(StartupFailure.UnavailableExitCode));
        Assert.That(failure?.Lines, Is.EqualTo(new[] { "the inventory database cannot be reached" }));
    }

    [Test]
    public void Any_other_exception_is_a_bug_and_stays_a_crash()
    {
        Assert.Multiple(() =>
        {
            Assert.That(StartupFailure.Classify(new InvalidOperationException("Failed to convert configuration value")), Is.Null);
            Assert.That(StartupFailure.Classify(new InvalidDataException("Failed to load configuration from file")), Is.Null);
            Assert.That(StartupFailure.Classify(new ArgumentException("bug")), Is.Null);
            Assert.That(StartupFailure.Classify(new AggregateException(new OptionsValidationException("A", typeof(Sample), ["A:B is wrong"]), new ArgumentException("bug"))), Is.Null);
        });
    }
}

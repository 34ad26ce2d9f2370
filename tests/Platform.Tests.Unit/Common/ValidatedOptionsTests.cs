using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Common.Hosting;

namespace Platform.Tests.Unit.Common;

public class ValidatedOptionsTests
{
    private sealed class Inner
    {
        public string? Path { get; set; }
    }

    private sealed class Sample
    {
        [System.ComponentModel.DataAnnotations.Range(1, 10)]
        public int Count { get; set; } = 1;

        public Inner Tls { get; set; } = new();

        public Dictionary<string, string> Labels { get; set; } = [];

        public bool Enabled => Count > 0;
    }

    [Test]
    public void Keys_the_class_does_not_take_are_named_by_their_full_path()
    {
        var configuration = Configuration(new()
        {
            ["Sample:count"] = "2",
            ["Sample:Tls:Path"] = "/etc/ca.crt",
            ["Sample:Labels:any"] = "x",
            ["Sample:Cuont"] = "3",
            ["Sample:Tls:Pth"] = "/etc/ca.crt",
            ["Sample:Enabled"] = "false",
        });

        Assert.That(ValidatedOptions.UnknownKeys(configuration.GetSection("Sample"), typeof(Sample)),
            Is.EquivalentTo(new[] { "Sample:Cuont", "Sample:Tls:Pth", "Sample:Enabled" }),
            "a misspelt key, one in a nested object, and a read-only property the binder would skip");
    }

    [Test]
    public void Annotation_messages_start_with_the_key()
    {
        var result = new ValidationResult("The field Count must be between 1 and 10.", ["Count"]);
        Assert.Multiple(() =>
        {
            Assert.That(ValidatedOptions.Describe("Sample", result), Is.EqualTo("Sample:Count must be between 1 and 10."));
            Assert.That(ValidatedOptions.Describe("Sample", new ValidationResult("Sample:Count is odd", ["Count"])), Is.EqualTo("Sample:Count is odd"));
            Assert.That(ValidatedOptions.Describe("Sample", new ValidationResult("too many", ["Count"])), Is.EqualTo("Sample:Count: too many"));
        });
    }

    [Test]
    public void Every_problem_of_a_section_is_reported_at_start_once()
    {
        var configuration = Configuration(new() { ["Sample:Count"] = "11", ["Sample:Cuont"] = "3" });
        var services = new ServiceCollection();
        // Registered twice, as a section shared by two features is.
        services.AddValidatedOptions<Sample>(configuration, "Sample");
        services.AddValidatedOptions<Sample>(configuration, "Sample");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate())!;
        Assert.That(error.Failures, Is.EqualTo(new[] { "Sample:Cuont is not a setting (misspelt, or of another section?)", "Sample:Count must be between 1 and 10." }));
    }

    [Test]
    public void A_section_read_while_building_is_validated_at_once()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Configuration(new() { ["Sample:Count"] = "0" }).GetValidated<Sample>("Sample"))!;
        Assert.That(error.Message, Does.Contain("Sample:Count must be between 1 and 10."));
        Assert.That(Configuration(new() { ["Sample:Count"] = "4" }).GetValidated<Sample>("Sample").Count, Is.EqualTo(4));
    }

    [Test]
    public void A_value_of_the_wrong_type_fails_binding_with_its_key()
    {
        var services = new ServiceCollection();
        services.AddValidatedOptions<Sample>(Configuration(new() { ["Sample:Count"] = "many" }), "Sample");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => _ = provider.GetRequiredService<IOptions<Sample>>().Value)!;
        Assert.That(error.Message, Does.Contain("'Sample:Count'"));
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}

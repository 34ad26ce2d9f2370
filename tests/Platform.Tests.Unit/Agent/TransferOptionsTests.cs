using System.ComponentModel.DataAnnotations;
using Platform.Agent.Transfer;

namespace Platform.Tests.Unit.Agent;

public class TransferOptionsTests
{
    [Test]
    public void The_defaults_are_valid_and_cap_uploads_at_8_GiB()
    {
        var options = new TransferOptions();
        Assert.That(Validate(options), Is.Empty);
        Assert.That(options.MaxUploadBytes, Is.EqualTo(8L << 30));
    }

    [TestCase(0L)]
    [TestCase(-1L)]
    public void A_maximum_upload_below_one_byte_is_refused(long maximum) =>
        Assert.That(Validate(new TransferOptions { MaxUploadBytes = maximum }), Has.Some.Contains(nameof(TransferOptions.MaxUploadBytes)));

    private static List<string> Validate(TransferOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage ?? "")];
    }
}

using Platform.Agent.Storage.Rbd;

namespace Platform.Tests.Unit.Agent.Storage;

public class RbdNamesTests
{
    [TestCase("vol-0a1b2c3d")]
    [TestCase("ami-DEADBEEF")]
    [TestCase("base")]
    [TestCase("images")]
    [TestCase("a")]
    [TestCase("snap_2024.01.01")]
    [TestCase("9lives")]
    public void Plain_names_are_accepted(string name)
    {
        Assert.That(RbdNames.IsValid(name), Is.True);
        Assert.That(RbdNames.Validate(name, "image"), Is.EqualTo(name));
    }

    [TestCase("")]
    [TestCase(" ")]
    [TestCase("a/b")]
    [TestCase("a@b")]
    [TestCase("a b")]
    [TestCase("a;b")]
    [TestCase("a:b")]
    [TestCase("a=b")]
    [TestCase("$(x)")]
    [TestCase("`x`")]
    [TestCase("a\nb")]
    [TestCase("a\0b")]
    [TestCase("-rf")]
    [TestCase(".hidden")]
    [TestCase("..")]
    [TestCase("_x")]
    [TestCase("ünï")]
    [TestCase("名前")]
    [TestCase("vol-1\n")]
    public void Names_with_separators_metacharacters_or_odd_starts_are_refused(string name)
    {
        Assert.That(RbdNames.IsValid(name), Is.False);
        var refusal = Assert.Throws<ArgumentException>(() => RbdNames.Validate(name, "snapshot"));
        Assert.That(refusal!.Message, Does.Contain("is not a valid RBD snapshot name"));
    }

    [Test]
    public void Null_is_refused()
    {
        string? name = null;

        var refusal = Assert.Throws<ArgumentException>(() => RbdNames.Validate(name, "image"));

        Assert.That(refusal!.Message, Does.StartWith("null is not a valid RBD image name"));
        Assert.That(refusal.ParamName, Is.EqualTo("name"));
    }

    [Test]
    public void Names_may_be_as_long_as_rbd_allows_and_no_longer()
    {
        Assert.That(RbdNames.IsValid(new string('v', RbdNames.MaxLength)), Is.True);
        Assert.That(RbdNames.IsValid(new string('v', RbdNames.MaxLength + 1)), Is.False);
    }

    [Test]
    public void A_very_long_refused_name_is_shortened_in_the_message()
    {
        var refusal = Assert.Throws<ArgumentException>(() => RbdNames.Validate(new string('x', 10_000), "image"));

        Assert.That(refusal!.Message.Length, Is.LessThan(400));
    }
}

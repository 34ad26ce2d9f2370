using Platform.Grpc;

namespace Platform.Tests.Unit.Grpc;

public class MetadataTests
{
    [Test]
    public void Keys_are_lower_cased_and_the_last_value_wins_on_lookup()
    {
        var metadata = new Metadata().Add("X-Trace", "a").Add("x-trace", "b");

        Assert.Multiple(() =>
        {
            Assert.That(metadata.Select(e => e.Key), Is.All.EqualTo("x-trace"));
            Assert.That(metadata.GetValue("X-TRACE"), Is.EqualTo("b"));
        });
    }

    [TestCase("bad key")]
    [TestCase("ключ")]
    [TestCase("")]
    public void Refuses_keys_outside_the_spec_alphabet(string key) =>
        Assert.That(() => new Metadata().Add(key, "v"), Throws.InstanceOf<ArgumentException>());

    [Test]
    public void Binary_values_need_a_bin_key_and_text_values_need_another()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new Metadata().Add("blob", [1, 2]), Throws.ArgumentException);
            Assert.That(() => new Metadata().Add("blob-bin", "text"), Throws.ArgumentException);
            Assert.That(new Metadata().Add("blob-bin", [1, 2]).GetValueBytes("blob-bin"), Is.EqualTo(new byte[] { 1, 2 }));
        });
    }

    [TestCase("line\nbreak")]
    [TestCase("naïve")]
    public void Text_values_must_be_printable_ascii(string value) =>
        Assert.That(() => new Metadata().Add("k", value), Throws.ArgumentException);
}

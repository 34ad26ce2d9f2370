using Platform.Grpc.Protocol;

namespace Platform.Tests.Unit.Grpc;

public class PercentEncodingTests
{
    [TestCase("plain text, printable ~", "plain text, printable ~")]
    [TestCase("100%", "100%25")]
    [TestCase("line\nbreak", "line%0Abreak")]
    [TestCase("驱动中心正忙", "%E9%A9%B1%E5%8A%A8%E4%B8%AD%E5%BF%83%E6%AD%A3%E5%BF%99")]
    public void Encodes_percent_and_non_printable_bytes_as_utf8(string message, string wire)
    {
        Assert.That(PercentEncoding.Encode(message), Is.EqualTo(wire));
        Assert.That(PercentEncoding.Decode(wire), Is.EqualTo(message));
    }

    [TestCase("50%", "50%")]
    [TestCase("%zz and %4", "%zz and %4")]
    public void Keeps_malformed_sequences_as_they_are(string wire, string expected) =>
        Assert.That(PercentEncoding.Decode(wire), Is.EqualTo(expected));
}

using Platform.Grpc.Protocol;

namespace Platform.Tests.Unit.Grpc;

public class GrpcTimeoutTests
{
    [TestCase("1H", 3600_000.0)]
    [TestCase("2M", 120_000.0)]
    [TestCase("5S", 5_000.0)]
    [TestCase("100m", 100.0)]
    [TestCase("1500u", 1.5)]
    [TestCase("2000000n", 2.0)]
    [TestCase("99999999S", 99_999_999_000.0)]
    public void Parses_every_unit(string header, double milliseconds)
    {
        Assert.That(GrpcTimeout.TryParse(header, out var timeout), Is.True);
        Assert.That(timeout.TotalMilliseconds, Is.EqualTo(milliseconds));
    }

    [TestCase("")]
    [TestCase("S")]
    [TestCase("10")]
    [TestCase("123456789S")]
    [TestCase("-1S")]
    [TestCase("1.5S")]
    [TestCase("10x")]
    [TestCase("１S")]
    public void Refuses_malformed_values(string header) =>
        Assert.That(GrpcTimeout.TryParse(header, out _), Is.False);

    [TestCase(0.0, "0u")]
    [TestCase(0.0015, "2u")]
    [TestCase(250.0, "250000u")]
    [TestCase(100_000.0, "100000m")]
    [TestCase(200_000_000.0, "200000S")]
    public void Formats_with_the_finest_unit_that_fits_rounding_up(double milliseconds, string expected) =>
        Assert.That(GrpcTimeout.Format(TimeSpan.FromMilliseconds(milliseconds)), Is.EqualTo(expected));

    [Test]
    public void Formatted_value_never_exceeds_eight_digits_and_parses_back_no_shorter()
    {
        foreach (var timeout in new[] { TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1), TimeSpan.FromDays(3), TimeSpan.FromDays(10_000), TimeSpan.MaxValue })
        {
            var header = GrpcTimeout.Format(timeout);
            Assert.That(header.Length, Is.LessThanOrEqualTo(9), header);
            Assert.That(GrpcTimeout.TryParse(header, out var parsed), Is.True, header);
            Assert.That(parsed, Is.GreaterThanOrEqualTo(timeout < TimeSpan.FromHours(99_999_999) ? timeout : TimeSpan.FromHours(99_999_999)), header);
        }
    }
}

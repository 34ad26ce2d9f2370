using System.Text.RegularExpressions;
using Platform.Controller.Networks;

namespace Platform.Tests.Unit.Controller;

public class NicRulesTests
{
    [Test]
    public void Mac_has_the_qemu_prefix_and_lowercase_hex_pairs()
    {
        Assert.That(NicAllocator.FormatMac([0x00, 0xab, 0x0f]), Is.EqualTo("52:54:00:00:ab:0f"));
        Assert.That(NicAllocator.FormatMac([0xff, 0xff, 0xff]), Is.EqualTo("52:54:00:ff:ff:ff"));
    }

    [Test]
    public void Mac_suffix_must_be_three_bytes() =>
        Assert.Throws<ArgumentException>(() => NicAllocator.FormatMac([1, 2]));

    [Test]
    public void Random_macs_are_well_formed_and_vary()
    {
        var macs = Enumerable.Range(0, 200).Select(_ => NicAllocator.NewMac()).ToList();
        Assert.That(macs, Has.All.Matches<string>(m => m is not null && Regex.IsMatch(m, "^52:54:00(:[0-9a-f]{2}){3}$")));
        Assert.That(macs.Distinct().Count(), Is.GreaterThan(190));
    }

    [TestCase("52:54:00:12:34:56", true)]
    [TestCase("52:54:00:AB:cd:EF", true)]
    [TestCase("52-54-00-12-34-56", false)]
    [TestCase("52:54:00:12:34", false)]
    [TestCase("52:54:00:12:34:5g", false)]
    [TestCase("52:54:00:12:34:56'; --", false)]
    [TestCase("", false)]
    public void Mac_filter(string text, bool valid) => Assert.That(NetworkEndpoints.IsMac(text), Is.EqualTo(valid));

    [TestCase("10.200.0.10", true)]
    [TestCase("0.0.0.0", true)]
    [TestCase("10.200.0", false)]
    [TestCase("10", false)]
    [TestCase("10.200.0.256", false)]
    [TestCase("::1", false)]
    [TestCase("10.0.0.1/24", false)]
    [TestCase("10.0.0.1 OR 1=1", false)]
    public void Ip_filter(string text, bool valid) => Assert.That(NetworkEndpoints.IsIPv4(text), Is.EqualTo(valid));
}

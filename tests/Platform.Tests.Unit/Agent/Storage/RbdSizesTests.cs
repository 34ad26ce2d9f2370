using Platform.Agent.Storage.Rbd;

namespace Platform.Tests.Unit.Agent.Storage;

public class RbdSizesTests
{
    [TestCase(1UL)]
    [TestCase(1UL << 30)]
    [TestCase(16UL << 40)]
    public void Sizes_from_one_byte_to_the_maximum_are_accepted(ulong size) =>
        Assert.That(RbdSizes.Validate(size), Is.EqualTo(size));

    [TestCase(0UL)]
    [TestCase((16UL << 40) + 1)]
    [TestCase(1UL << 62)]
    [TestCase(ulong.MaxValue)]
    public void Empty_and_absurd_sizes_are_refused(ulong size)
    {
        var refusal = Assert.Throws<ArgumentOutOfRangeException>(() => RbdSizes.Validate(size));

        Assert.That(refusal!.ParamName, Is.EqualTo("size"));
        Assert.That(refusal.ActualValue, Is.EqualTo(size));
    }

    [TestCase(0UL, "0 B")]
    [TestCase(512UL, "512 B")]
    [TestCase(64UL << 20, "64 MiB")]
    [TestCase(1UL << 30, "1 GiB")]
    [TestCase(3UL << 29, "1.5 GiB")]
    [TestCase(16UL << 40, "16 TiB")]
    [TestCase(ulong.MaxValue, "16 EiB")]
    public void Sizes_print_like_the_rbd_cli(ulong size, string expected) =>
        Assert.That(RbdSizes.Format(size), Is.EqualTo(expected));
}

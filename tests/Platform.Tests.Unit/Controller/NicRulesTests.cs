using System.Text.RegularExpressions;
using Platform.Controller.Agents;
using Platform.Controller.Api;
using Platform.Controller.Networks;
using Platform.Controller.Volumes;
using Platform.Grpc;

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
        Assert.That(macs, Has.All.Matches<string>(m => Regex.IsMatch(m, "^52:54:00(:[0-9a-f]{2}){3}$")));
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

public class TaskFailuresTests
{
    [TestCase(StatusCode.FailedPrecondition, true, 40908)]
    [TestCase(StatusCode.FailedPrecondition, false, 40904)]
    [TestCase(StatusCode.DeadlineExceeded, true, 50401)]
    [TestCase(StatusCode.Unavailable, false, 50302)]
    [TestCase(StatusCode.AlreadyExists, false, 40904)]
    [TestCase(StatusCode.Internal, false, 50200)]
    public void Agent_failure_survives_the_task_record_as_its_api_code(StatusCode status, bool detaching, int expected)
    {
        var failure = TaskFailures.From(new AgentException("http://h:1", "DetachDisk", status, "guest kept vdb"), detaching);
        var error = TaskFailures.ToApiError(failure.Message);
        Assert.That((int)error.Code, Is.EqualTo(expected));
        Assert.That(error.Message, Does.Contain("guest kept vdb"));
    }

    [Test]
    public void Detach_refusal_answers_409() =>
        Assert.That(ApiErrorCode.DeviceStillAttached.HttpStatus(), Is.EqualTo(409));
}

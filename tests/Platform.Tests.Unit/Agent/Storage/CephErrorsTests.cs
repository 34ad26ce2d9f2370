using Platform.Agent.Storage.Rbd;

namespace Platform.Tests.Unit.Agent.Storage;

public class CephErrorsTests
{
    [TestCase(0)]
    [TestCase(36)]
    public void Non_negative_results_pass_through(int result)
    {
        Assert.That(CephErrors.CheckRbd(result, "rbd_cluster_fsid", null), Is.EqualTo(result));
        Assert.That(CephErrors.CheckRados(result, "rados_cluster_fsid", null), Is.EqualTo(result));
    }

    [TestCase(-2, (int)CephErrno.NotFound)]
    [TestCase(-17, (int)CephErrno.Exists)]
    [TestCase(-16, (int)CephErrno.Busy)]
    [TestCase(-39, (int)CephErrno.HasSnapshots)]
    [TestCase(-34, (int)CephErrno.BufferTooSmall)]
    [TestCase(-110, (int)CephErrno.TimedOut)]
    [TestCase(-13, (int)CephErrno.AccessDenied)]
    [TestCase(-22, (int)CephErrno.InvalidArgument)]
    [TestCase(-30, (int)CephErrno.ReadOnly)]
    [TestCase(-125, (int)CephErrno.Canceled)]
    public void A_negative_errno_becomes_an_rbd_exception_carrying_it(int result, int expected)
    {
        var failure = Assert.Throws<RbdException>(() => CephErrors.CheckRbd(result, "rbd_remove", "volumes/vol-1"));

        Assert.That(failure!.Error, Is.EqualTo((CephErrno)expected));
        Assert.That(failure.Errno, Is.EqualTo(-result));
        Assert.That(failure.Operation, Is.EqualTo("rbd_remove"));
        Assert.That(failure.ObjectName, Is.EqualTo("volumes/vol-1"));
    }

    [Test]
    public void Librados_failures_become_rados_exceptions()
    {
        var failure = Assert.Throws<RadosException>(() => CephErrors.CheckRados(-110, "rados_connect", "client.platform@127.0.0.1:1"));

        Assert.That(failure!.Error, Is.EqualTo(CephErrno.TimedOut));
        Assert.That(failure, Is.InstanceOf<CephException>());
    }

    [Test]
    public void The_message_names_operation_object_meaning_and_errno()
    {
        var failure = CephErrors.Rbd(-39, "rbd_remove", "images/ami-1");

        Assert.That(failure.Message, Is.EqualTo("rbd_remove images/ami-1 failed: the image has snapshots (errno 39)"));
    }

    [Test]
    public void An_errno_without_a_name_keeps_its_value_and_gets_the_c_librarys_text()
    {
        var failure = CephErrors.Rbd(-71, "rbd_open", "images/x");

        Assert.That((int)failure.Error, Is.EqualTo(71));
        Assert.That(failure.Message, Does.Contain("Protocol error").And.Contain("(errno 71)"));
    }

    [Test]
    public void A_failure_without_an_object_has_no_dangling_space()
    {
        Assert.That(CephErrors.Message(-110, "rados_connect", null), Does.StartWith("rados_connect failed: timed out"));
    }

    [Test]
    public void Refusals_read_like_failures_and_carry_the_reason()
    {
        var refusal = CephErrors.Refused(CephErrno.InvalidArgument, "resize", "volumes/v", "refusing to shrink");

        Assert.That(refusal.Error, Is.EqualTo(CephErrno.InvalidArgument));
        Assert.That(refusal.Message, Is.EqualTo("resize volumes/v: refusing to shrink"));
    }

    [Test]
    public void Every_named_errno_has_its_linux_value()
    {
        var linux = new Dictionary<CephErrno, int>
        {
            [CephErrno.NotPermitted] = 1, [CephErrno.NotFound] = 2, [CephErrno.IOError] = 5, [CephErrno.OutOfMemory] = 12,
            [CephErrno.AccessDenied] = 13, [CephErrno.Busy] = 16, [CephErrno.Exists] = 17, [CephErrno.InvalidArgument] = 22,
            [CephErrno.TooLarge] = 27, [CephErrno.NoSpace] = 28, [CephErrno.ReadOnly] = 30, [CephErrno.BufferTooSmall] = 34,
            [CephErrno.NameTooLong] = 36, [CephErrno.NotImplemented] = 38, [CephErrno.HasSnapshots] = 39, [CephErrno.Restart] = 85,
            [CephErrno.NotSupported] = 95, [CephErrno.Blocklisted] = 108, [CephErrno.TimedOut] = 110, [CephErrno.ConnectionRefused] = 111,
            [CephErrno.QuotaExceeded] = 122, [CephErrno.Canceled] = 125,
        };

        Assert.That(Enum.GetValues<CephErrno>().Where(e => e != CephErrno.None), Is.EquivalentTo(linux.Keys));
        Assert.Multiple(() =>
        {
            foreach (var (error, value) in linux)
            {
                Assert.That((int)error, Is.EqualTo(value), error.ToString());
            }
        });
    }
}

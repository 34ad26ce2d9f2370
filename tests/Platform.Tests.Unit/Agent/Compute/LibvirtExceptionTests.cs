using Platform.Agent.Compute.Libvirt;

namespace Platform.Tests.Unit.Agent.Compute;

public class LibvirtExceptionTests
{
    [TestCase((int)LibvirtErrorCode.NoDomain, typeof(LibvirtDomainNotFoundException))]
    [TestCase((int)LibvirtErrorCode.NoSecret, typeof(LibvirtSecretNotFoundException))]
    [TestCase((int)LibvirtErrorCode.DeviceMissing, typeof(LibvirtDeviceMissingException))]
    [TestCase((int)LibvirtErrorCode.OperationInvalid, typeof(LibvirtOperationInvalidException))]
    [TestCase((int)LibvirtErrorCode.NoSupport, typeof(LibvirtNotSupportedException))]
    [TestCase((int)LibvirtErrorCode.OperationUnsupported, typeof(LibvirtNotSupportedException))]
    [TestCase((int)LibvirtErrorCode.OperationTimeout, typeof(LibvirtOperationTimeoutException))]
    [TestCase((int)LibvirtErrorCode.XmlError, typeof(LibvirtException))]
    [TestCase(4242, typeof(LibvirtException))]
    public void Error_code_picks_the_exception_type(int number, Type expected)
    {
        var code = (LibvirtErrorCode)number;
        var exception = LibvirtException.Create(code, LibvirtErrorDomain.Qemu, "message", "virSomething");

        Assert.Multiple(() =>
        {
            Assert.That(exception, Is.TypeOf(expected));
            Assert.That(exception.Code, Is.EqualTo(code));
            Assert.That(exception.ErrorDomain, Is.EqualTo(LibvirtErrorDomain.Qemu));
            Assert.That(exception.Message, Is.EqualTo("message"));
            Assert.That(exception.Function, Is.EqualTo("virSomething"));
        });
    }

    [TestCase((int)LibvirtErrorCode.NoDomain, 42)]
    [TestCase((int)LibvirtErrorCode.OperationInvalid, 55)]
    [TestCase((int)LibvirtErrorCode.NoSupport, 3)]
    [TestCase((int)LibvirtErrorCode.OperationTimeout, 68)]
    [TestCase((int)LibvirtErrorCode.NoSecret, 66)]
    [TestCase((int)LibvirtErrorCode.DeviceMissing, 99)]
    public void Error_codes_have_libvirts_values(int code, int value) =>
        Assert.That(code, Is.EqualTo(value));
}

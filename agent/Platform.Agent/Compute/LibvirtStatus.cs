using Platform.Agent.Compute.Libvirt;
using Grpc.Core;

namespace Platform.Agent.Compute;

/// <summary>
/// The one place libvirt errors become gRPC status codes. Expected outcomes (no such domain,
/// wrong state, libvirtd down) get the code a caller can act on; anything else is INTERNAL
/// with libvirt's message.
/// </summary>
internal static class LibvirtStatus
{
    public static RpcException ToRpc(LibvirtException error, string subject)
    {
        var code = error.Code switch
        {
            LibvirtErrorCode.NoDomain => StatusCode.NotFound,
            LibvirtErrorCode.DeviceMissing => StatusCode.NotFound,
            LibvirtErrorCode.OperationInvalid => StatusCode.FailedPrecondition,
            LibvirtErrorCode.DomainExists => StatusCode.AlreadyExists,
            LibvirtErrorCode.NoSupport or LibvirtErrorCode.OperationUnsupported or LibvirtErrorCode.ArgumentUnsupported
                or LibvirtErrorCode.ConfigUnsupported => StatusCode.FailedPrecondition,
            LibvirtErrorCode.InvalidArgument or LibvirtErrorCode.XmlError or LibvirtErrorCode.XmlDetail => StatusCode.InvalidArgument,
            LibvirtErrorCode.OperationTimeout or LibvirtErrorCode.ResourceBusy => StatusCode.Unavailable,
            LibvirtErrorCode.NoConnect or LibvirtErrorCode.InvalidConnection or LibvirtErrorCode.Rpc => StatusCode.Unavailable,
            LibvirtErrorCode.OperationAborted => StatusCode.Aborted,
            _ => StatusCode.Internal,
        };
        return new RpcException(new Status(code, $"{subject}: {error.Message}"));
    }

    public static RpcException NotFound(string name) =>
        new(new Status(StatusCode.NotFound, $"no domain '{name}' on this host"));

    public static RpcException Precondition(string message) => new(new Status(StatusCode.FailedPrecondition, message));
}

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

    /// <summary>
    /// FAILED_PRECONDITION with reason DOMAIN_NOT_RUNNING: the guest is paused or crashed, so
    /// waiting for it to act would only run out the caller's deadline.
    /// </summary>
    public static RpcException NotRunning(string name, DomainStateInfo state, string wanted) =>
        Platform.Rpc.Errors.RichErrors.Error(StatusCode.FailedPrecondition,
            $"domain '{name}' is {DomainStateReasons.Describe(state.State, state.Reason)}: its guest cannot {wanted}; power it off (force) instead",
            new Google.Rpc.ErrorInfo { Reason = Platform.Contracts.Agent.V1.DomainErrorReason.DomainNotRunning.ToString(), Domain = Platform.Contracts.Agent.V1.DomainService.Descriptor.FullName });
}

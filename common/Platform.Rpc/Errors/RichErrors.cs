using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Platform.Rpc.Errors;

/// <summary>
/// Errors with machine-readable details (google.rpc.Status in grpc-status-details-bin, through
/// Grpc.StatusProto): callers read them with <c>RpcException.GetRpcStatus()</c>.
/// </summary>
public static class RichErrors
{
    /// <summary>An error carrying <paramref name="details"/> (BadRequest, PreconditionFailure, ...).</summary>
    public static RpcException Error(StatusCode code, string message, params IMessage[] details)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        status.Details.AddRange(details.Select(Any.Pack));
        return status.ToRpcException();
    }

    /// <summary>INVALID_ARGUMENT listing every bad field at once.</summary>
    public static RpcException InvalidArgument(IReadOnlyCollection<BadRequest.Types.FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations);
        return Error(StatusCode.InvalidArgument, string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")), badRequest);
    }

    public static BadRequest.Types.FieldViolation Violation(string field, string description) =>
        new() { Field = field, Description = description };
}

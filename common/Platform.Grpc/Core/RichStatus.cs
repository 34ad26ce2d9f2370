using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;

namespace Platform.Grpc;

/// <summary>
/// google.rpc.Status in the grpc-status-details-bin trailer: machine-readable details
/// (BadRequest, PreconditionFailure, ...) that travel with an error status.
/// </summary>
public static class RichStatus
{
    public const string DetailsTrailer = "grpc-status-details-bin";

    /// <summary>An error whose trailers carry <paramref name="details"/> as google.rpc.Status.</summary>
    public static RpcException Error(StatusCode code, string message, params IMessage[] details)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        status.Details.AddRange(details.Select(Any.Pack));
        return new RpcException(new Status(code, message), new Metadata().Add(DetailsTrailer, status.ToByteArray()));
    }

    /// <summary>INVALID_ARGUMENT listing every bad field at once.</summary>
    public static RpcException InvalidArgument(IReadOnlyCollection<BadRequest.Types.FieldViolation> violations)
    {
        var message = string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}"));
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations);
        return Error(StatusCode.InvalidArgument, message, badRequest);
    }

    public static BadRequest.Types.FieldViolation Violation(string field, string description) =>
        new() { Field = field, Description = description };

    /// <summary>The google.rpc.Status an error carried, or null when it had none (or an unreadable one).</summary>
    public static Google.Rpc.Status? GetRichStatus(this RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var bytes = exception.Trailers.GetValueBytes(DetailsTrailer);
        if (bytes is null)
        {
            return null;
        }
        try
        {
            return Google.Rpc.Status.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }
}

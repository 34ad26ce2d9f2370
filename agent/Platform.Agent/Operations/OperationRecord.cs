using System.Text.Json.Serialization;
using Grpc.Core;
using Google.Protobuf;

namespace Platform.Agent.Operations;

/// <summary>
/// One line of the operation journal: the outcome of a mutating command, keyed by its operation id.
/// <see cref="Code"/> 0 is success with <see cref="Response"/> (the response message's bytes);
/// any other code is the gRPC status the command ended with, its <see cref="Message"/>, and the
/// google.rpc.Status <see cref="Details"/> when it carried some.
/// </summary>
internal sealed record OperationRecord(
    [property: JsonPropertyName("id")] string OperationId,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("request_sha256")] string RequestSha256,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("response")] byte[]? Response = null,
    [property: JsonPropertyName("message")] string? Message = null,
    [property: JsonPropertyName("details")] byte[]? Details = null)
{
    [JsonIgnore]
    public bool Succeeded => Code == (int)StatusCode.OK;

    /// <summary>A line that parsed but is not a record this journal writes (hand-edited, or another version).</summary>
    [JsonIgnore]
    public bool IsWellFormed =>
        !string.IsNullOrEmpty(OperationId)
        && !string.IsNullOrEmpty(Method)
        && RequestSha256 is { Length: 64 }
        && (Succeeded ? Response is not null : Code is > 0 and <= (int)StatusCode.Unauthenticated);

    public static OperationRecord Success(string operationId, string method, string requestSha256, DateTimeOffset at, byte[] response) =>
        new(operationId, method, requestSha256, at, (int)StatusCode.OK, Response: response);

    public static OperationRecord Failure(string operationId, string method, string requestSha256, DateTimeOffset at, RpcException error) =>
        new(operationId, method, requestSha256, at, (int)error.StatusCode, Message: error.Status.Detail, Details: error.GetRpcStatus()?.ToByteArray());

    /// <summary>The recorded error, as it was first thrown (status, message and rich details).</summary>
    public RpcException ToException()
    {
        var status = new Google.Rpc.Status { Code = Code, Message = Message ?? "" };
        if (Details is not null)
        {
            status.Details.AddRange(Google.Rpc.Status.Parser.ParseFrom(Details).Details);
        }
        return status.ToRpcException();
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OperationRecord))]
internal sealed partial class OperationRecordJson : JsonSerializerContext;

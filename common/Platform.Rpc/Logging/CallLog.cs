using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Platform.Rpc.Logging;

/// <summary>
/// One line per gRPC call on either side: method, status, duration, the command's operation id
/// and the trace id that links the controller's line to the agent's. Category
/// <c>Platform.Rpc.CallLog</c>, so that operators can raise or lower it on its own.
/// </summary>
internal static partial class CallLog
{
    public const string Category = "Platform.Rpc.CallLog";

    [LoggerMessage(EventId = 1, Message = "served {Method} {Status} in {ElapsedMs:F1} ms{Detail}; operation {OperationId}; caller {Caller}; trace {TraceId}")]
    public static partial void Served(ILogger logger, LogLevel level, string method, StatusCode status, double elapsedMs, string detail,
        string operationId, string caller, string traceId);

    [LoggerMessage(EventId = 2, Message = "called {Method} at {Target}: {Status} in {ElapsedMs:F1} ms{Detail}; operation {OperationId}; trace {TraceId}")]
    public static partial void Called(ILogger logger, LogLevel level, string method, string target, StatusCode status, double elapsedMs, string detail,
        string operationId, string traceId);

    /// <summary>Successful calls and expected refusals are information; what points at a fault is a warning.</summary>
    public static LogLevel LevelOf(StatusCode status) => status switch
    {
        StatusCode.Internal or StatusCode.Unknown or StatusCode.DataLoss or StatusCode.Unavailable => LogLevel.Warning,
        _ => LogLevel.Information,
    };

    public static string DetailOf(StatusCode status, string? detail) =>
        status == StatusCode.OK || string.IsNullOrEmpty(detail) ? "" : $": {detail}";

    public static string TraceId() => Activity.Current?.TraceId.ToHexString() ?? "-";

    public static double MillisecondsSince(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor?> OperationIdFields = new();

    /// <summary>The <c>operation_id</c> every mutating command carries (see the agent contract), or "-".</summary>
    public static string OperationIdOf(object? request)
    {
        if (request is not IMessage message)
        {
            return "-";
        }
        var field = OperationIdFields.GetOrAdd(message.Descriptor, d =>
            d.FindFieldByName("operation_id") is { FieldType: FieldType.String } f ? f : null);
        return field?.Accessor.GetValue(message) is string { Length: > 0 } id ? id : "-";
    }
}

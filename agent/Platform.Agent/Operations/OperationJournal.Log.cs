using Grpc.Core;

namespace Platform.Agent.Operations;

internal sealed partial class OperationJournal
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Operation journal {Path} loaded: {Records} outcomes kept ({IndexKib} KiB in memory), {Expired} expired and {Unreadable} unreadable dropped")]
    private static partial void LogLoaded(ILogger logger, string path, int records, int expired, int unreadable, long indexKib);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Operation journal {Path} cannot be opened: {Reason}")]
    private static partial void LogOpenFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Operation {OperationId} ({Method}) repeated: replaying its recorded outcome {Code}")]
    private static partial void LogReplayed(ILogger logger, string operationId, string method, StatusCode code);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Operation {OperationId} ({Method}) repeated while still running: waiting for it")]
    private static partial void LogWaiting(ILogger logger, string operationId, string method);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Operation id {OperationId} of {RecordedMethod} reused for a different request ({Method}): refused")]
    private static partial void LogReuseRefused(ILogger logger, string operationId, string recordedMethod, string method);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Operation {OperationId} ({Method}) ended without a final outcome; not recorded, a retry runs it again")]
    private static partial void LogNotRecorded(ILogger logger, string operationId, string method, Exception error);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Error, Message = "Outcome of operation {OperationId} could not be written to {Path}: {Reason}")]
    private static partial void LogRecordFailed(ILogger logger, string operationId, string path, string reason);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Error, Message = "Recorded outcome of operation {OperationId} is not at offset {Offset} of {Path} any more (changed behind the agent): dropped, a retry runs it again")]
    private static partial void LogRecordUnreadable(ILogger logger, string operationId, string path, long offset);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Error, Message = "Recorded outcome of operation {OperationId} could not be read from {Path}: {Reason}")]
    private static partial void LogRecordReadFailed(ILogger logger, string operationId, string path, string reason);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Operation journal {Path} compacted from {BeforeKib} KiB to {AfterKib} KiB ({Records} outcomes kept)")]
    private static partial void LogCompacted(ILogger logger, string path, long beforeKib, long afterKib, int records);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Operation journal {Path} could not be compacted (tried again in an hour): {Reason}")]
    private static partial void LogCompactionFailed(ILogger logger, string path, string reason);
}

using Platform.Agent.Compute.Libvirt;

namespace Platform.Agent.Compute;

internal sealed partial class DomainGrpcService
{
    [LoggerMessage(EventId = 3121, Level = LogLevel.Information, Message = "Defined domain {Domain} ({Uuid}), operation {OperationId}")]
    private static partial void LogDefined(ILogger logger, string domain, Guid uuid, string operationId);

    [LoggerMessage(EventId = 3122, Level = LogLevel.Information, Message = "Started domain {Domain}, operation {OperationId}")]
    private static partial void LogStarted(ILogger logger, string domain, string operationId);

    [LoggerMessage(EventId = 3123, Level = LogLevel.Warning, Message = "Domain {Domain} did not start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string domain, string reason);

    [LoggerMessage(EventId = 3124, Level = LogLevel.Information, Message = "ACPI shutdown of {Domain} requested; waiting up to {Seconds:0.#} s")]
    private static partial void LogShutdownRequested(ILogger logger, string domain, double seconds);

    [LoggerMessage(EventId = 3125, Level = LogLevel.Warning, Message = "Domain {Domain} ignored the ACPI shutdown for {Seconds:0.#} s")]
    private static partial void LogShutdownIgnored(ILogger logger, string domain, double seconds);

    [LoggerMessage(EventId = 3126, Level = LogLevel.Information, Message = "Domain {Domain} shut off {Seconds:0.0} s after the ACPI request")]
    private static partial void LogShutOff(ILogger logger, string domain, double seconds);

    [LoggerMessage(EventId = 3127, Level = LogLevel.Information, Message = "Powered off domain {Domain}, operation {OperationId}")]
    private static partial void LogPoweredOff(ILogger logger, string domain, string operationId);

    [LoggerMessage(EventId = 3128, Level = LogLevel.Information, Message = "Undefined domain {Domain}, operation {OperationId}")]
    private static partial void LogUndefined(ILogger logger, string domain, string operationId);

    [LoggerMessage(EventId = 3129, Level = LogLevel.Information, Message = "Attached {Device} ({Source}) to {Domain}, operation {OperationId}")]
    private static partial void LogAttached(ILogger logger, string domain, string device, string source, string operationId);

    [LoggerMessage(EventId = 3130, Level = LogLevel.Information, Message = "Detached {Device} from {Domain}, operation {OperationId}")]
    private static partial void LogDetached(ILogger logger, string domain, string device, string operationId);

    [LoggerMessage(EventId = 3131, Level = LogLevel.Debug, Message = "{Domain}: detach of {Device}, attempt {Attempt}: {Outcome} after {Seconds:0.0} s")]
    private static partial void LogDetachAttempt(ILogger logger, string domain, string device, int attempt, DeviceDetachOutcome outcome, double seconds);

    [LoggerMessage(EventId = 3132, Level = LogLevel.Warning, Message = "{Domain}: detach of {Device}, attempt {Attempt} failed: {Reason}")]
    private static partial void LogDetachAttemptFailed(ILogger logger, string domain, string device, int attempt, string reason);

    [LoggerMessage(EventId = 3133, Level = LogLevel.Warning, Message = "{Domain}: guest kept {Device} for {Seconds:0.#} s of detach requests")]
    private static partial void LogGuestKeptDevice(ILogger logger, string domain, string device, double seconds);
}

using Microsoft.Extensions.Logging;

namespace Platform.Agent.Compute.Libvirt;

internal static partial class LibvirtLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "libvirt event loop started")]
    public static partial void EventLoopStarted(ILogger logger);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "libvirt event loop stopped")]
    public static partial void EventLoopStopped(ILogger logger);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "libvirt event loop iteration failed")]
    public static partial void EventLoopIterationFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "libvirt event loop thread did not stop within {Seconds} s")]
    public static partial void EventLoopDidNotStop(ILogger logger, double seconds);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "libvirt domain event callback failed")]
    public static partial void EventCallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "libvirt domain event: {Event}")]
    public static partial void DomainEventReceived(ILogger logger, DomainEvent @event);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Connected to libvirt at {Uri} (domain events: {EventsEnabled})")]
    public static partial void Connected(ILogger logger, string uri, bool eventsEnabled);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "{Domain}: device {Alias} still attached {Seconds:0.0} s after the detach request")]
    public static partial void DeviceStillAttached(ILogger logger, string domain, string alias, double seconds);
}

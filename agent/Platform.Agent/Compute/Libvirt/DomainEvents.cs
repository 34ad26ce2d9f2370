using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Platform.Agent.Compute.Libvirt;

/// <summary>Something libvirt reported about a domain; <see cref="Received"/> is when the agent got it.</summary>
internal abstract record DomainEvent(string DomainName, Guid DomainUuid)
{
    public DateTimeOffset Received { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>VIR_DOMAIN_EVENT_ID_LIFECYCLE: <see cref="Detail"/> is the virDomainEvent*DetailType of <see cref="Type"/>.</summary>
internal sealed record DomainLifecycleEvent(string DomainName, Guid DomainUuid, DomainLifecycleEventType Type, int Detail)
    : DomainEvent(DomainName, DomainUuid)
{
    public override string ToString() => $"{DomainName} {Type}/{DetailName}";

    /// <summary>The detail's libvirt name, e.g. Booted, Shutdown, Destroyed.</summary>
    public string DetailName => Type switch
    {
        DomainLifecycleEventType.Defined => Name(Detail, "Added", "Updated", "Renamed", "FromSnapshot"),
        DomainLifecycleEventType.Undefined => Name(Detail, "Removed", "Renamed"),
        DomainLifecycleEventType.Started => ((DomainStartedDetail)Detail).ToString(),
        DomainLifecycleEventType.Suspended => Name(Detail, "Paused", "Migrated", "IOError", "Watchdog", "Restored", "FromSnapshot", "ApiError", "Postcopy", "PostcopyFailed"),
        DomainLifecycleEventType.Resumed => Name(Detail, "Unpaused", "Migrated", "FromSnapshot", "Postcopy", "PostcopyFailed"),
        DomainLifecycleEventType.Stopped => ((DomainStoppedDetail)Detail).ToString(),
        DomainLifecycleEventType.Shutdown => Name(Detail, "Finished", "Guest", "Host"),
        DomainLifecycleEventType.PMSuspended => Name(Detail, "Memory", "Disk"),
        DomainLifecycleEventType.Crashed => Name(Detail, "Panicked", "CrashLoaded"),
        _ => Detail.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string Name(int detail, params string[] names) =>
        detail >= 0 && detail < names.Length ? names[detail] : detail.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED: the guest let go of the device and libvirt removed it from the live definition.</summary>
internal sealed record DomainDeviceRemovedEvent(string DomainName, Guid DomainUuid, string DeviceAlias)
    : DomainEvent(DomainName, DomainUuid)
{
    public override string ToString() => $"{DomainName} device {DeviceAlias} removed";
}

/// <summary>virDomainEventType.</summary>
internal enum DomainLifecycleEventType
{
    Defined = 0,
    Undefined = 1,
    Started = 2,
    Suspended = 3,
    Resumed = 4,
    Stopped = 5,
    Shutdown = 6,
    PMSuspended = 7,
    Crashed = 8,
}

/// <summary>virDomainEventStartedDetailType.</summary>
internal enum DomainStartedDetail
{
    Booted = 0,
    Migrated = 1,
    Restored = 2,
    FromSnapshot = 3,
    Wakeup = 4,
}

/// <summary>virDomainEventStoppedDetailType.</summary>
internal enum DomainStoppedDetail
{
    /// <summary>The guest powered off (e.g. after an ACPI shutdown request).</summary>
    Shutdown = 0,

    /// <summary>Forced off from the host (destroy).</summary>
    Destroyed = 1,
    Crashed = 2,
    Migrated = 3,
    Saved = 4,
    Failed = 5,
    FromSnapshot = 6,
}

/// <summary>Where the native event callbacks deliver (on libvirt's event loop thread: must not block).</summary>
internal interface IDomainEventSink
{
    void Publish(DomainEvent domainEvent);

    void CallbackFailed(Exception exception);
}

/// <summary>Fans a connection's events out to every current subscription.</summary>
internal sealed class DomainEventHub(ILogger logger) : IDomainEventSink
{
    private ImmutableArray<Channel<DomainEvent>> _subscribers = [];

    public DomainEventSubscription Subscribe()
    {
        // Unbounded: the event loop thread must never wait on a slow reader. A subscription
        // that is never read grows until disposed.
        var channel = Channel.CreateUnbounded<DomainEvent>(new UnboundedChannelOptions { SingleReader = true });
        ImmutableInterlocked.Update(ref _subscribers, static (list, item) => list.Add(item), channel);
        return new DomainEventSubscription(this, channel);
    }

    internal void Unsubscribe(Channel<DomainEvent> channel)
    {
        ImmutableInterlocked.Update(ref _subscribers, static (list, item) => list.Remove(item), channel);
        channel.Writer.TryComplete();
    }

    public void Publish(DomainEvent domainEvent)
    {
        LibvirtLog.DomainEventReceived(logger, domainEvent);
        foreach (var subscriber in _subscribers)
        {
            subscriber.Writer.TryWrite(domainEvent);
        }
    }

    public void CallbackFailed(Exception exception) => LibvirtLog.EventCallbackFailed(logger, exception);

    /// <summary>Ends every subscription's stream (the connection is closing).</summary>
    public void Complete()
    {
        foreach (var subscriber in ImmutableInterlocked.InterlockedExchange(ref _subscribers, []))
        {
            subscriber.Writer.TryComplete();
        }
    }
}

/// <summary>
/// The domain events of one connection from the moment of subscribing, in libvirt's order.
/// Dispose it when done: until then every event is buffered for it.
/// </summary>
internal sealed class DomainEventSubscription : IDisposable
{
    private readonly DomainEventHub _hub;
    private readonly Channel<DomainEvent> _channel;

    internal DomainEventSubscription(DomainEventHub hub, Channel<DomainEvent> channel) => (_hub, _channel) = (hub, channel);

    public ChannelReader<DomainEvent> Reader => _channel.Reader;

    /// <summary>Every event until the subscription or its connection is disposed, or <paramref name="cancellationToken"/> fires.</summary>
    public IAsyncEnumerable<DomainEvent> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _channel.Reader.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Reads (and so consumes) events until one of type <typeparamref name="T"/> matches;
    /// null when none did within <paramref name="timeout"/> or the stream ended.
    /// </summary>
    public async Task<T?> WaitForAsync<T>(Func<T, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default)
        where T : DomainEvent
    {
        ArgumentNullException.ThrowIfNull(match);
        // What already arrived counts even when no time is left to wait.
        while (_channel.Reader.TryRead(out var buffered))
        {
            if (buffered is T candidate && match(candidate))
            {
                return candidate;
            }
        }
        if (timeout <= TimeSpan.Zero)
        {
            return null;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await foreach (var domainEvent in _channel.Reader.ReadAllAsync(deadline.Token))
            {
                if (domainEvent is T candidate && match(candidate))
                {
                    return candidate;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The timeout, not the caller.
        }
        return null;
    }

    public void Dispose() => _hub.Unsubscribe(_channel);
}

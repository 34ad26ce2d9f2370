using ServingStatus = global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Platform.Grpc.Services.Health;

/// <summary>
/// The serving status per service name ("" is the server as a whole) that the standard
/// grpc.health.v1 service reports; watchers are told of every change.
/// </summary>
public sealed class GrpcHealthStatus
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (_statuses.TryGetValue(service, out var current) && current == status)
            {
                return;
            }
            _statuses[service] = status;
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Every known service (and the server) to the same status, e.g. NOT_SERVING when the host stops.</summary>
    public void SetAll(ServingStatus status)
    {
        string[] services;
        lock (_lock)
        {
            services = [.. _statuses.Keys];
        }
        foreach (var service in services)
        {
            Set(service, status);
        }
    }

    /// <summary>The status of a service, or null when it is not known.</summary>
    public ServingStatus? Get(string service, out Task changed)
    {
        lock (_lock)
        {
            changed = _changed.Task;
            return _statuses.TryGetValue(service, out var status) ? status : null;
        }
    }
}

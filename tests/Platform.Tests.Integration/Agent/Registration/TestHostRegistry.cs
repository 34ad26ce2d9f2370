using System.Collections.Concurrent;
using Platform.Contracts.Controller.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Platform.Tests.Integration.Agent.Registration;

/// <summary>
/// The controller's HostRegistry as the agent sees it, recording every call: hosts it knows
/// answer heartbeats, others NOT_FOUND; <see cref="Forget"/> makes the controller lose a host.
/// Kept across restarts of the server that serves it.
/// </summary>
internal sealed class TestHostRegistry : HostRegistry.HostRegistryBase
{
    private readonly ConcurrentDictionary<string, bool> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RegisterHostRequest> _registrations = new();
    private readonly ConcurrentQueue<HeartbeatRequest> _heartbeats = new();
    private int _notFoundAnswers;

    public TestHostRegistry(uint heartbeatIntervalSeconds) => HeartbeatIntervalSeconds = heartbeatIntervalSeconds;

    public uint HeartbeatIntervalSeconds { get; }

    public IReadOnlyList<RegisterHostRequest> Registrations => [.. _registrations];

    public int RegistrationCount => _registrations.Count;

    public int HeartbeatCount => _heartbeats.Count;

    public IReadOnlyList<HeartbeatRequest> Heartbeats => [.. _heartbeats];

    public int NotFoundAnswers => Volatile.Read(ref _notFoundAnswers);

    public void Forget(string hostId) => _known.TryRemove(hostId, out _);

    /// <summary>While set, heartbeats get no answer until the caller gives up (its deadline).</summary>
    public bool Stalled { get; set; }

    public override Task<RegisterHostResponse> RegisterHost(RegisterHostRequest request, ServerCallContext context)
    {
        _registrations.Enqueue(request);
        _known[request.HostId] = true;
        return Task.FromResult(new RegisterHostResponse { HeartbeatIntervalSeconds = HeartbeatIntervalSeconds });
    }

    public override async Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        if (Stalled)
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        if (!_known.ContainsKey(request.HostId))
        {
            Interlocked.Increment(ref _notFoundAnswers);
            throw new RpcException(new Status(StatusCode.NotFound, $"host {request.HostId} is not registered"));
        }
        _heartbeats.Enqueue(request);
        return new HeartbeatResponse { HeartbeatIntervalSeconds = HeartbeatIntervalSeconds };
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Rpc.Client;
using Platform.Rpc.Identity;
using Platform.Rpc.Tls;

namespace Platform.Controller.Agents;

/// <summary>
/// One channel per agent (host id and endpoint) for the life of the process (HTTP/2
/// connections are reused), all with the TLS settings of Agents:Tls (checked at start-up). Over
/// TLS the agent must present the certificate of the host it is reached for
/// (spiffe://platform/agent/HOST_ID): a host that registered another host's endpoint gets none of
/// that host's commands, and that host none of its.
/// </summary>
internal sealed class AgentClients(IOptions<AgentOptions> options, TimeProvider clock, ILoggerFactory loggers) : IDisposable
{
    private readonly ILogger<AgentClient> _clientLogger = loggers.CreateLogger<AgentClient>();
    private readonly ConcurrentDictionary<(string HostId, string Endpoint), (GrpcChannel Channel, CallInvoker Calls)> _channels = new();
    private readonly ClientTlsCredentials? _tls = options.Value.Tls.LoadCredentials();

    /// <summary>The agent of host <paramref name="hostId"/>, at the endpoint it registered.</summary>
    public AgentClient For(string hostId, string endpoint) =>
        new(endpoint, _channels.GetOrAdd((hostId, endpoint), Open).Calls, options.Value, clock, _clientLogger);

    private (GrpcChannel, CallInvoker) Open((string HostId, string Endpoint) agent)
    {
        var channel = PlatformChannel.ForAddress(agent.Endpoint, new PlatformChannelOptions
        {
            Tls = _tls,
            ServerIdentity = PlatformIdentity.ForAgent(agent.HostId),
            LoggerFactory = loggers,
        });
        return (channel, channel.CreateLoggedInvoker(loggers));
    }

    public void Dispose()
    {
        foreach (var (channel, _) in _channels.Values)
        {
            channel.Dispose();
        }
        _tls?.Dispose();
    }
}

/// <summary>
/// The typed calls the controller makes to one agent, each with its deadline tier; a failed
/// call surfaces as an <see cref="AgentException"/> carrying the gRPC status. Mutations ride out
/// a short loss of the agent (a restart): see <see cref="AgentOptions.UnavailableRetryBudget"/>.
/// Queries fail at once: their callers (reconciliation, lists) ask again on their own schedule.
/// </summary>
internal sealed partial class AgentClient(string endpoint, CallInvoker channel, AgentOptions options, TimeProvider clock, ILogger<AgentClient> logger)
{
    private readonly RbdService.RbdServiceClient _rbd = new(channel);
    private readonly DomainService.DomainServiceClient _domains = new(channel);
    private readonly DriverDiskService.DriverDiskServiceClient _driverDisk = new(channel);
    private readonly FileService.FileServiceClient _files = new(channel);

    public string Endpoint => endpoint;

    public Task<RbdImage> CreateImageAsync(CreateImageRequest request, CancellationToken ct) =>
        MutateAsync(nameof(CreateImageAsync), o => _rbd.CreateImageAsync(request, o), ct);

    public Task<ListImagesResponse> ListImagesAsync(string pool, CancellationToken ct) =>
        QueryAsync(nameof(ListImagesAsync), o => _rbd.ListImagesAsync(new ListImagesRequest { Pool = pool }, o), ct);

    public Task<RbdImage> GetImageAsync(string pool, string name, CancellationToken ct) =>
        QueryAsync(nameof(GetImageAsync), o => _rbd.GetImageAsync(new GetImageRequest { Pool = pool, Name = name }, o), ct);

    public Task<RemoveImageResponse> RemoveImageAsync(RemoveImageRequest request, CancellationToken ct) =>
        MutateAsync(nameof(RemoveImageAsync), o => _rbd.RemoveImageAsync(request, o), ct);

    public Task<RbdImage> CloneImageAsync(CloneImageRequest request, CancellationToken ct) =>
        MutateAsync(nameof(CloneImageAsync), o => _rbd.CloneImageAsync(request, o), ct);

    public Task<Domain> DefineAndStartDomainAsync(DefineAndStartDomainRequest request, CancellationToken ct) =>
        MutateAsync(nameof(DefineAndStartDomainAsync), o => _domains.DefineAndStartDomainAsync(request, o), ct);

    public Task<Domain> StartDomainAsync(StartDomainRequest request, CancellationToken ct) =>
        MutateAsync(nameof(StartDomainAsync), o => _domains.StartDomainAsync(request, o), ct);

    public Task<Domain> ShutdownDomainAsync(ShutdownDomainRequest request, CancellationToken ct) =>
        MutateAsync(nameof(ShutdownDomainAsync), o => _domains.ShutdownDomainAsync(request, o), ct);

    public Task<Domain> PowerOffDomainAsync(PowerOffDomainRequest request, CancellationToken ct) =>
        MutateAsync(nameof(PowerOffDomainAsync), o => _domains.PowerOffDomainAsync(request, o), ct);

    public Task<UndefineDomainResponse> UndefineDomainAsync(UndefineDomainRequest request, CancellationToken ct) =>
        MutateAsync(nameof(UndefineDomainAsync), o => _domains.UndefineDomainAsync(request, o), ct);

    public Task<Domain> GetDomainAsync(string name, CancellationToken ct) =>
        QueryAsync(nameof(GetDomainAsync), o => _domains.GetDomainAsync(new GetDomainRequest { Name = name }, o), ct);

    public Task<ListDomainsResponse> ListDomainsAsync(CancellationToken ct) =>
        QueryAsync(nameof(ListDomainsAsync), o => _domains.ListDomainsAsync(new ListDomainsRequest(), o), ct);

    public Task<DiskAttachment> AttachDiskAsync(AttachDiskRequest request, CancellationToken ct) =>
        MutateAsync(nameof(AttachDiskAsync), o => _domains.AttachDiskAsync(request, o), ct);

    public Task<DetachDiskResponse> DetachDiskAsync(DetachDiskRequest request, CancellationToken ct) =>
        MutateAsync(nameof(DetachDiskAsync), o => _domains.DetachDiskAsync(request, o), ct);

    public Task<NicAttachment> AttachNicAsync(AttachNicRequest request, CancellationToken ct) =>
        MutateAsync(nameof(AttachNicAsync), o => _domains.AttachNicAsync(request, o), ct);

    public Task<DetachNicResponse> DetachNicAsync(DetachNicRequest request, CancellationToken ct) =>
        MutateAsync(nameof(DetachNicAsync), o => _domains.DetachNicAsync(request, o), ct);

    /// <summary>
    /// The host's domain events until <paramref name="lifetime"/> has passed (then the caller
    /// opens a new watch: even a stream carries a deadline) or the agent goes away.
    /// </summary>
    public async IAsyncEnumerable<DomainEvent> WatchDomainEventsAsync(TimeSpan lifetime, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var call = _domains.WatchDomainEvents(new WatchDomainEventsRequest(), new CallOptions(deadline: clock.GetUtcNow().UtcDateTime + lifetime, cancellationToken: ct));
        while (true)
        {
            try
            {
                if (!await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded)
            {
                yield break;
            }
            catch (RpcException e) when (!(e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested))
            {
                throw new AgentException(endpoint, "WatchDomainEvents", e.StatusCode, e.Status.Detail);
            }
            yield return call.ResponseStream.Current;
        }
    }

    private Task<T> QueryAsync<T>(string method, Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken ct) =>
        CallAsync(method, call, options.QueryTimeout, ct);

    private Task<T> MutateAsync<T>(string method, Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken ct) =>
        RetryUnavailableAsync(method, call, options.MutationTimeout, ct);

    /// <summary>
    /// <see cref="CallAsync"/>, repeated with back-off while the agent answers UNAVAILABLE, until
    /// <see cref="AgentOptions.UnavailableRetryBudget"/> has passed since the first attempt. Only
    /// for calls that carry an operation id: a repeat of one that ran is answered from the
    /// agent's journal, or converges on what the interrupted run left.
    /// </summary>
    internal async Task<T> RetryUnavailableAsync<T>(string method, Func<CallOptions, AsyncUnaryCall<T>> call, TimeSpan timeout, CancellationToken ct)
    {
        var giveUpAt = clock.GetUtcNow() + options.UnavailableRetryBudget;
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CallAsync(method, call, timeout, ct).ConfigureAwait(false);
            }
            catch (AgentException e) when (e.Status == StatusCode.Unavailable && clock.GetUtcNow() + delay < giveUpAt)
            {
                LogRetrying(logger, e.Method, endpoint, attempt, delay.TotalSeconds, e.Detail);
            }
            await Task.Delay(delay, clock, ct).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(4);

    [LoggerMessage(EventId = 1221, Level = LogLevel.Warning, Message = "{Method} on {Endpoint}: agent unavailable (attempt {Attempt}), retrying in {DelaySeconds:0.##} s: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string method, string endpoint, int attempt, double delaySeconds, string reason);

    internal async Task<T> CallAsync<T>(string method, Func<CallOptions, AsyncUnaryCall<T>> call, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow().UtcDateTime + timeout;
        try
        {
            using var pending = call(new CallOptions(deadline: deadline, cancellationToken: ct));
            return await pending.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (!(e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested))
        {
            throw Failure(method, e, deadline);
        }
    }

    /// <summary>The call's failure with the rich details (reason, violations) the agent attached.</summary>
    private AgentException Failure(string method, RpcException e, DateTime? deadline = null)
    {
        var status = e.GetRpcStatus();
        var reason = status?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason;
        var violations = status?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.Select(v => (v.Field, v.Description)).ToList();
        return new AgentException(endpoint, method.Replace("Async", "", StringComparison.Ordinal), e.StatusCode, e.Status.Detail,
            deadlinePassedHere: e.StatusCode == StatusCode.DeadlineExceeded && deadline is { } d && clock.GetUtcNow().UtcDateTime >= d,
            reason, violations);
    }
}

using Google.Protobuf;
using Microsoft.Extensions.Options;
using Platform.Agent.Compute.Libvirt;
using Platform.Agent.Operations;
using Platform.Agent.Storage.Rbd;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using LibvirtState = Platform.Agent.Compute.Libvirt.DomainState;
using ProtoDomain = Platform.Contracts.Agent.V1.Domain;
using ProtoDomainEvent = Platform.Contracts.Agent.V1.DomainEvent;

namespace Platform.Agent.Compute;

/// <summary>
/// DomainService: libvirt domains booted from RBD. Every request is validated in full before
/// libvirt is asked anything; libvirt errors become status codes in <see cref="LibvirtStatus"/>;
/// repeated requests are answered from the state libvirt reports (starting a running domain,
/// powering off a stopped one, undefining an unknown one all succeed without doing anything).
/// Device commands are in DomainGrpcService.Devices.cs.
/// </summary>
internal sealed partial class DomainGrpcService(
    LibvirtHost libvirt,
    CephAccess ceph,
    OperationJournal journal,
    DomainLocks locks,
    DomainTypeSelection domainType,
    DhcpReservations dhcp,
    IOptions<ComputeOptions> options,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<DomainGrpcService> logger) : DomainService.DomainServiceBase
{
    private static readonly TimeSpan StatePollInterval = TimeSpan.FromMilliseconds(250);

    // What is left of the caller's deadline is kept back to answer in time with our own status.
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(500);

    private ComputeOptions Options => options.Value;

    public override Task<ProtoDomain> DefineAndStartDomain(DefineAndStartDomainRequest request, ServerCallContext context)
    {
        DomainRequestValidator.Validate(request);
        return MutateAsync(request.Name, request.OperationId, request, context, cancellation =>
            Libvirt(request.Name, () => DefineAndStartAsync(request, cancellation)));
    }

    private async Task<ProtoDomain> DefineAndStartAsync(DefineAndStartDomainRequest request, CancellationToken cancellation)
    {
        var connection = await ConnectAsync(cancellation);
        var uuid = Guid.ParseExact(request.Uuid, "D");
        bool definedBefore;
        using (var existing = await connection.FindDomainAsync(request.Name, cancellation))
        {
            if (existing is not null && existing.Uuid != uuid)
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"domain '{request.Name}' exists with UUID {existing.Uuid}, not {uuid}"));
            }
            if (existing is not null && await existing.IsActiveAsync(cancellation))
            {
                // Already defined and running: the answer to a repeated request.
                return await DomainMapping.DescribeAsync(existing, cancellation);
            }
            definedBefore = existing is not null;
        }
        try
        {
            using var other = await connection.GetDomainAsync(uuid, cancellation);
            if (other.Name != request.Name)
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"UUID {uuid} belongs to domain '{other.Name}'"));
            }
        }
        catch (LibvirtDomainNotFoundException)
        {
            // The usual case: a new domain.
        }

        await RequireImagesAsync(request.DataDisks.Prepend(request.BootDisk).Select(d => d.Image), cancellation);
        var (cephConfig, secret) = await CephForDisksAsync(connection, cancellation);
        // Decided at start; only a call in the agent's first seconds waits for the probe.
        var type = await domainType.WaitAsync(cancellation);
        await ReserveAddressesAsync(request.Name, request.Nics, cancellation);
        var definition = new DomainDefinition
        {
            Name = request.Name,
            Uuid = uuid,
            VirtualCpus = (int)request.Vcpus,
            MemoryMiB = (int)request.MemoryMib,
            Type = type.Type,
            BootDisk = DomainMapping.ToDevice(request.BootDisk, cephConfig, secret),
            DataDisks = [.. request.DataDisks.Select(d => DomainMapping.ToDevice(d, cephConfig, secret))],
            Nics = [.. request.Nics.Select(n => DomainMapping.ToDevice(n, Options.Bridge))],
            SerialLogPath = string.IsNullOrEmpty(Options.SerialLogDirectory) ? null : Path.Combine(Path.GetFullPath(Options.SerialLogDirectory), request.Name + ".serial.log"),
        };
        using var domain = await connection.DefineDomainAsync(definition, cancellation);
        LogDefined(logger, request.Name, uuid, request.OperationId);
        try
        {
            await domain.StartAsync(cancellation);
        }
        catch (LibvirtException e)
        {
            // A domain that cannot start (missing image, bridge, key) is not left behind half made.
            LogStartFailed(logger, request.Name, e.Message);
            if (!definedBefore)
            {
                await domain.UndefineAsync(DomainUndefineOptions.None, CancellationToken.None);
                await ReleaseAddressesAsync(definition.Nics.Select(n => new NicInfo("bridge", n.MacAddress, n.Bridge, null, n.Alias, null)), CancellationToken.None);
            }
            throw LibvirtStatus.ToRpc(e, $"starting domain '{request.Name}'");
        }
        LogStarted(logger, request.Name, request.OperationId);
        return await DomainMapping.DescribeAsync(domain, cancellation);
    }

    public override Task<ProtoDomain> StartDomain(StartDomainRequest request, ServerCallContext context)
    {
        DomainRequestValidator.ValidateName(request.Name, request.OperationId);
        return MutateAsync(request.Name, request.OperationId, request, context, cancellation =>
            WithDomainAsync(request.Name, async domain =>
            {
                if (!await domain.IsActiveAsync(cancellation))
                {
                    await domain.StartAsync(cancellation);
                    LogStarted(logger, request.Name, request.OperationId);
                }
                return await DomainMapping.DescribeAsync(domain, cancellation);
            }, cancellation));
    }

    public override Task<ProtoDomain> ShutdownDomain(ShutdownDomainRequest request, ServerCallContext context)
    {
        DomainRequestValidator.ValidateName(request.Name, request.OperationId);
        // Not through MutateAsync: the power button is pressed under the domain's lock, but the wait
        // for the guest is not, so that PowerOffDomain can force off a guest that ignores the
        // button without first waiting out this call.
        return journal.RunAsync(request.OperationId, context.Method, request, context.CancellationToken, cancellation =>
            WithDomainAsync(request.Name, async domain =>
            {
                var pressed = await locks.RunAsync(request.Name, async () =>
                {
                    if (!await domain.IsActiveAsync(cancellation))
                    {
                        return false;
                    }
                    var state = await domain.GetStateAsync(cancellation);
                    if (DomainStateReasons.CannotReact(state.State))
                    {
                        throw LibvirtStatus.NotRunning(request.Name, state, "react to the ACPI power button");
                    }
                    await domain.ShutdownAsync(cancellation);
                    return true;
                }, cancellation);
                if (!pressed)
                {
                    return await DomainMapping.DescribeAsync(domain, cancellation);
                }
                var budget = Budget(context, Options.DefaultShutdownTimeout);
                var started = clock.GetTimestamp();
                LogShutdownRequested(logger, request.Name, budget.TotalSeconds);
                while ((await domain.GetStateAsync(cancellation)).State != LibvirtState.ShutOff)
                {
                    if (clock.GetElapsedTime(started) >= budget)
                    {
                        LogShutdownIgnored(logger, request.Name, budget.TotalSeconds);
                        throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                            $"domain '{request.Name}' did not shut down within {budget.TotalSeconds:0.#} s of the ACPI power button; it is still running (PowerOffDomain forces it off)"));
                    }
                    await Task.Delay(StatePollInterval, clock, cancellation);
                }
                var took = clock.GetElapsedTime(started);
                LogShutOff(logger, request.Name, took.TotalSeconds);
                return await DomainMapping.DescribeAsync(domain, cancellation);
            }, cancellation));
    }

    public override Task<ProtoDomain> PowerOffDomain(PowerOffDomainRequest request, ServerCallContext context)
    {
        DomainRequestValidator.ValidateName(request.Name, request.OperationId);
        return MutateAsync(request.Name, request.OperationId, request, context, cancellation =>
            WithDomainAsync(request.Name, async domain =>
            {
                if (await domain.IsActiveAsync(cancellation))
                {
                    await domain.DestroyAsync(cancellation);
                    LogPoweredOff(logger, request.Name, request.OperationId);
                }
                return await DomainMapping.DescribeAsync(domain, cancellation);
            }, cancellation));
    }

    public override Task<UndefineDomainResponse> UndefineDomain(UndefineDomainRequest request, ServerCallContext context)
    {
        DomainRequestValidator.ValidateName(request.Name, request.OperationId);
        return MutateAsync(request.Name, request.OperationId, request, context, async cancellation =>
        {
            var connection = await ConnectAsync(cancellation);
            using var domain = await connection.FindDomainAsync(request.Name, cancellation);
            if (domain is null)
            {
                return new UndefineDomainResponse { Existed = false };
            }
            await Libvirt(request.Name, async () =>
            {
                // Undefining a running domain would leave it running as a transient one nobody owns.
                if (await domain.IsActiveAsync(cancellation))
                {
                    throw LibvirtStatus.Precondition($"domain '{request.Name}' is running; shut it down or power it off first");
                }
                var nics = (await domain.DescribeAsync(inactive: true, cancellation)).Nics;
                await domain.UndefineAsync(DomainUndefineOptions.ManagedSave | DomainUndefineOptions.SnapshotsMetadata, cancellation);
                // The NICs' addresses go with the domain (the controller frees them with the instance).
                await ReleaseAddressesAsync(nics, cancellation);
                return true;
            });
            LogUndefined(logger, request.Name, request.OperationId);
            return new UndefineDomainResponse { Existed = true };
        });
    }

    public override Task<ProtoDomain> GetDomain(GetDomainRequest request, ServerCallContext context)
    {
        DomainRequestValidator.ValidateName(request.Name);
        return WithDomainAsync(request.Name,
            domain => DomainMapping.DescribeAsync(domain, context.CancellationToken), context.CancellationToken);
    }

    public override async Task<ListDomainsResponse> ListDomains(ListDomainsRequest request, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        var connection = await ConnectAsync(cancellation);
        var domains = await Libvirt("domains", () => connection.ListDomainsAsync(DomainListFilter.All, cancellation));
        var response = new ListDomainsResponse();
        try
        {
            foreach (var domain in domains.OrderBy(d => d.Name, StringComparer.Ordinal))
            {
                try
                {
                    response.Domains.Add(await DomainMapping.DescribeAsync(domain, cancellation));
                }
                catch (LibvirtDomainNotFoundException)
                {
                    // Undefined between listing and describing it.
                }
            }
        }
        finally
        {
            foreach (var domain in domains)
            {
                domain.Dispose();
            }
        }
        return response;
    }

    public override async Task WatchDomainEvents(WatchDomainEventsRequest request, IServerStreamWriter<ProtoDomainEvent> responseStream, ServerCallContext context)
    {
        // A watch lasts as long as its client wants; it must not hold the agent's shutdown.
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var connection = await ConnectAsync(watch.Token);
        using var subscription = connection.SubscribeDomainEvents();
        try
        {
            await WriteEventsAsync(subscription.ReadAllAsync(watch.Token), responseStream, watch.Token);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the agent is stopping; watch again"));
        }
        // The stream ended without cancellation: the connection died. The client watches again.
        throw new RpcException(new Status(StatusCode.Unavailable, "the libvirt connection closed; watch again"));
    }

    private static async Task WriteEventsAsync(IAsyncEnumerable<Libvirt.DomainEvent> events, IServerStreamWriter<ProtoDomainEvent> responseStream, CancellationToken cancellation)
    {
        await foreach (var domainEvent in events)
        {
            var message = new ProtoDomainEvent
            {
                Domain = domainEvent.DomainName,
                AtUnixNanos = (ulong)(domainEvent.Received - DateTimeOffset.UnixEpoch).Ticks * 100,
            };
            switch (domainEvent)
            {
                case DomainLifecycleEvent lifecycle when DomainMapping.ToProto(lifecycle.Type) is { } state:
                    message.StateChanged = state;
                    break;
                case DomainDeviceRemovedEvent removed:
                    message.DeviceRemoved = removed.DeviceAlias;
                    break;
                default:
                    continue;
            }
            await responseStream.WriteAsync(message, cancellation);
        }
    }

    /// <summary>
    /// Every mutating command runs its work through here, and only here: the operation journal
    /// answers a repeated operation id with the first outcome instead of running the work again.
    /// The work converges (repeating it after a crash ends in the same state), as the journal needs.
    /// The work holds <paramref name="domain"/>'s lock (<see cref="DomainLocks"/>), so that
    /// mutations of one domain never interleave; waiting for it is bounded by the call's deadline.
    /// </summary>
    private Task<TResponse> MutateAsync<TRequest, TResponse>(string domain, string operationId, TRequest request, ServerCallContext context, Func<CancellationToken, Task<TResponse>> work)
        where TRequest : IMessage
        where TResponse : class, IMessage<TResponse>, new() =>
        journal.RunAsync(operationId, context.Method, request, context.CancellationToken,
            cancellation => locks.RunAsync(domain, () => work(cancellation), cancellation));

    /// <summary>The Ceph client settings and the libvirt secret RBD disks need; FAILED_PRECONDITION when this host's Ceph client is not set up.</summary>
    private async Task<(CephClientConfig Config, Guid Secret)> CephForDisksAsync(LibvirtConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            var config = ceph.LoadConfig();
            return (config, await ceph.EnsureSecretAsync(connection, config, cancellationToken));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            throw LibvirtStatus.Precondition($"this host's Ceph client is not usable for RBD disks: {e.Message}");
        }
    }

    /// <summary>FAILED_PRECONDITION naming every image that does not exist; UNAVAILABLE when Ceph cannot be asked.</summary>
    private async Task RequireImagesAsync(IEnumerable<string> images, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> missing;
        try
        {
            missing = await ceph.MissingImagesAsync(images, cancellationToken);
        }
        catch (CephException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"Ceph is not reachable to check the disks' images: {e.Message}"));
        }
        if (missing.Count > 0)
        {
            throw LibvirtStatus.Precondition($"RBD image{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} do{(missing.Count > 1 ? "" : "es")} not exist");
        }
    }

    private async Task<LibvirtConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await libvirt.GetConnectionAsync(cancellationToken);
        }
        catch (LibvirtException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"libvirt at {Options.LibvirtUri} is not reachable: {e.Message}"));
        }
    }

    /// <summary>Looks the domain up (NOT_FOUND when there is none) and runs <paramref name="action"/> with libvirt errors mapped.</summary>
    private async Task<T> WithDomainAsync<T>(string name, Func<LibvirtDomain, Task<T>> action, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken);
        using var domain = await connection.FindDomainAsync(name, cancellationToken) ?? throw LibvirtStatus.NotFound(name);
        return await Libvirt(name, () => action(domain));
    }

    private static async Task<T> Libvirt<T>(string subject, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (LibvirtDomainNotFoundException)
        {
            throw LibvirtStatus.NotFound(subject);
        }
        catch (LibvirtException e)
        {
            throw LibvirtStatus.ToRpc(e, subject);
        }
    }

    /// <summary>How long a waiting call may wait: up to the caller's deadline (less a margin to answer in), else <paramref name="fallback"/>.</summary>
    private TimeSpan Budget(ServerCallContext context, TimeSpan fallback)
    {
        if (context.Deadline == DateTime.MaxValue)
        {
            return fallback;
        }
        var left = context.Deadline - clock.GetUtcNow().UtcDateTime - DeadlineMargin;
        return left < TimeSpan.Zero ? TimeSpan.Zero : left < fallback ? left : fallback;
    }
}

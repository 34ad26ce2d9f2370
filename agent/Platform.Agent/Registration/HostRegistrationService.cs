using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Options;
using Platform.Agent.Compute;
using Platform.Agent.Compute.Libvirt;
using Platform.Agent.Host;
using Platform.Contracts.Controller.V1;
using Grpc.Core;
using Platform.Rpc.Client;
using Platform.Rpc.Identity;

namespace Platform.Agent.Registration;

/// <summary>
/// Registers this host with the controller's HostRegistry, then heartbeats at the interval the
/// controller answers. A heartbeat answered NOT_FOUND (the controller forgot the host) registers
/// again at once; any other failure — the controller unreachable, a deadline, this host's libvirt
/// not answering — is retried with exponential back-off, logged once per outage and once on
/// recovery. Without heartbeats the controller marks the host down, which is also what a host
/// whose libvirt is gone should be.
/// </summary>
internal sealed partial class HostRegistrationService(
    IOptions<RegistrationOptions> options,
    HostInventory inventory,
    LibvirtHost libvirt,
    DomainTypeSelection domainType,
    TimeProvider clock,
    ILogger<HostRegistrationService> logger,
    ILoggerFactory loggers) : BackgroundService
{
    private const int MinIntervalSeconds = 1;
    private const int MaxIntervalSeconds = 60;

    private static readonly string AgentVersion =
        typeof(HostRegistrationService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            LogDisabled(logger, RegistrationOptions.Section);
            return;
        }
        var controllerUrl = settings.ControllerUrl!;
        if (domainType.Current is null)
        {
            // A host is offered work only once it knows what type its domains get.
            LogAwaitingDomainType(logger);
            try
            {
                await domainType.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        LogStarting(logger, controllerUrl, settings.HostId!, settings.AdvertisedEndpoint!);

        using var tls = settings.Tls.LoadCredentials();
        // Over TLS only the controller's certificate will do: another daemon of the platform CA must not receive this host's registration.
        using var channel = PlatformChannel.ForAddress(controllerUrl, new PlatformChannelOptions { Tls = tls, ServerIdentity = PlatformIdentity.ForController() });
        var client = new HostRegistry.HostRegistryClient(channel.CreateLoggedInvoker(loggers));
        var backoff = new RetryBackoff();
        var registered = false;
        // The controller's heartbeat interval, once it has told it.
        TimeSpan? interval = null;
        Outage? outage = null;

        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                uint answered;
                if (registered)
                {
                    answered = await HeartbeatAsync(client, settings, stoppingToken);
                }
                else
                {
                    answered = await RegisterAsync(client, settings, stoppingToken);
                    registered = true;
                }
                wait = Interval(answered);
                interval = wait;
                if (outage is not null)
                {
                    LogRecovered(logger, controllerUrl, outage.Cause, outage.Attempts, outage.Elapsed.Elapsed.TotalSeconds);
                    outage = null;
                }
                backoff.Reset();
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Shutdown cancelled the call or the inventory query: nothing went wrong.
                break;
            }
            catch (RpcException e) when (registered && e.StatusCode == StatusCode.NotFound)
            {
                LogUnknownHost(logger, settings.HostId!, e.Status.Detail);
                registered = false;
                continue;
            }
            catch (Exception e) when (e is RpcException or HostInventoryUnavailableException)
            {
                var (cause, reason) = e is RpcException rpc
                    ? ("controller", $"{rpc.StatusCode}: {rpc.Status.Detail}")
                    : ("host inventory", e.Message);
                wait = backoff.Next();
                if (registered && cause == "controller" && interval is { } every && wait > every)
                {
                    // A registered host keeps the controller's beat through an outage: the first
                    // heartbeat it can record after one must come within its window.
                    wait = every;
                }
                if (outage is null || outage.Cause != cause)
                {
                    // Once per outage (and again only when its cause changes), not per attempt.
                    outage = new Outage(cause, Stopwatch.StartNew());
                    LogOutage(logger, registered ? "Heartbeat" : "RegisterHost", controllerUrl, cause, reason);
                }
                outage.Attempts++;
                LogRetrying(logger, cause, reason, wait.TotalSeconds);
            }

            try
            {
                await Task.Delay(wait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        LogStopped(logger);
    }

    private async Task<uint> RegisterAsync(HostRegistry.HostRegistryClient client, RegistrationOptions settings, CancellationToken stoppingToken)
    {
        var host = await QueryAsync(inventory.CollectAsync, settings, stoppingToken);
        var request = new RegisterHostRequest
        {
            HostId = settings.HostId,
            Hostname = host.Hostname,
            GrpcEndpoint = settings.AdvertisedEndpoint ?? "",
            HostIp = settings.HostIp,
            Cpus = host.Cpus,
            MemoryTotalBytes = host.MemoryTotalBytes,
            MemoryFreeBytes = host.MemoryFreeBytes,
            AgentVersion = AgentVersion,
            DomainType = host.DomainType,
            DomainTypeReason = host.DomainTypeReason,
        };
        request.Bridges.AddRange(host.Bridges);
        using var call = client.RegisterHostAsync(request, deadline: Deadline(settings), cancellationToken: stoppingToken);
        var response = await call;
        LogRegistered(logger, settings.HostId!, request.GrpcEndpoint, request.Cpus, request.MemoryTotalBytes, request.DomainType, response.HeartbeatIntervalSeconds);
        return response.HeartbeatIntervalSeconds;
    }

    private async Task<uint> HeartbeatAsync(HostRegistry.HostRegistryClient client, RegistrationOptions settings, CancellationToken stoppingToken)
    {
        // Only what changes, from libvirt: the full inventory (versions, Ceph fsid, bridges) is for registration.
        var (free, running) = await QueryAsync(async cancellationToken =>
        {
            var connection = await libvirt.GetConnectionAsync(cancellationToken);
            var freeBytes = await connection.GetFreeMemoryAsync(cancellationToken);
            var domains = await connection.ListDomainsAsync(DomainListFilter.Active, cancellationToken);
            foreach (var domain in domains)
            {
                domain.Dispose();
            }
            return (freeBytes, (uint)domains.Count);
        }, settings, stoppingToken);
        var request = new HeartbeatRequest { HostId = settings.HostId, MemoryFreeBytes = free, RunningDomains = running };
        using var call = client.HeartbeatAsync(request, deadline: Deadline(settings), cancellationToken: stoppingToken);
        var response = await call;
        LogHeartbeat(logger, response.HeartbeatIntervalSeconds);
        return response.HeartbeatIntervalSeconds;
    }

    /// <summary>Runs a query of this host under <see cref="RegistrationOptions.QueryDeadline"/>; its failures become <see cref="HostInventoryUnavailableException"/>.</summary>
    private static async Task<T> QueryAsync<T>(Func<CancellationToken, Task<T>> query, RegistrationOptions settings, CancellationToken stoppingToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        deadline.CancelAfter(settings.QueryDeadline);
        try
        {
            return await query(deadline.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            throw new HostInventoryUnavailableException($"no answer from libvirt within {settings.QueryDeadline.TotalSeconds:0.#}s");
        }
        catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
        {
            // HostInventory reports libvirt failures as the status it would answer a caller.
            throw new HostInventoryUnavailableException(e.Status.Detail, e);
        }
        catch (LibvirtException e) when (!stoppingToken.IsCancellationRequested)
        {
            throw new HostInventoryUnavailableException(e.Message, e);
        }
    }

    private DateTime Deadline(RegistrationOptions settings) => clock.GetUtcNow().UtcDateTime + settings.HeartbeatTimeout;

    private static TimeSpan Interval(uint seconds) =>
        TimeSpan.FromSeconds(Math.Clamp(seconds, MinIntervalSeconds, MaxIntervalSeconds));

    private sealed class Outage(string cause, Stopwatch elapsed)
    {
        public string Cause { get; } = cause;

        public Stopwatch Elapsed { get; } = elapsed;

        public int Attempts { get; set; }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Host registration is off: {Section}:ControllerUrl is empty")]
    private static partial void LogDisabled(ILogger logger, string section);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Registering with the controller at {ControllerUrl} as host {HostId}, reachable at {Endpoint}")]
    private static partial void LogStarting(ILogger logger, string controllerUrl, string hostId, string endpoint);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Registered host {HostId} ({Endpoint}, {Cpus} CPUs, {MemoryBytes} bytes, domain type {DomainType}); heartbeat every {IntervalSeconds}s")]
    private static partial void LogRegistered(ILogger logger, string hostId, string endpoint, uint cpus, ulong memoryBytes, string domainType, uint intervalSeconds);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Debug, Message = "Heartbeat answered; next in {IntervalSeconds}s")]
    private static partial void LogHeartbeat(ILogger logger, uint intervalSeconds);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "The controller does not know host {HostId} ({Detail}); registering again")]
    private static partial void LogUnknownHost(ILogger logger, string hostId, string detail);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "{Call} with the controller at {ControllerUrl} failed ({Cause}: {Reason}); retrying with back-off until it succeeds")]
    private static partial void LogOutage(ILogger logger, string call, string controllerUrl, string cause, string reason);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Debug, Message = "Registration attempt failed ({Cause}: {Reason}); next attempt in {WaitSeconds:0.0}s")]
    private static partial void LogRetrying(ILogger logger, string cause, string reason, double waitSeconds);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Reached the controller at {ControllerUrl} again after the {Cause} outage ({Attempts} failed attempts, {Seconds:0.0}s)")]
    private static partial void LogRecovered(ILogger logger, string controllerUrl, string cause, int attempts, double seconds);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Registration waits for the domain type (the KVM probe runs)")]
    private static partial void LogAwaitingDomainType(ILogger logger);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Information, Message = "Host registration stopped")]
    private static partial void LogStopped(ILogger logger);
}

/// <summary>This host could not be described (libvirt did not answer): nothing to register or heartbeat with.</summary>
internal sealed class HostInventoryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

using Microsoft.Extensions.Options;
using Platform.Agent.Compute.Libvirt;
using Platform.Agent.Registration;

namespace Platform.Agent.Compute;

/// <summary>
/// Decides once, at start, which domain type this agent's domains get (Compute:DomainType:
/// kvm or qemu as configured; auto probes, see <see cref="DomainTypeDecision"/>), and makes
/// everyone who needs the answer wait for it: domain creation never uses an undecided type,
/// and the host registers (with the choice) only once it is known. The agent serves health
/// and every other call meanwhile. Registered after <see cref="LibvirtHost"/>, so the libvirt
/// event loop runs before the probe opens the agent's connection.
/// </summary>
internal sealed partial class DomainTypeSelection(
    IOptions<ComputeOptions> options,
    LibvirtHost libvirt,
    TimeProvider clock,
    ILogger<DomainTypeSelection> logger) : BackgroundService
{
    private readonly TaskCompletionSource<DomainTypeChoice> _choice = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The choice, once made.</summary>
    public DomainTypeChoice? Current => _choice.Task.IsCompletedSuccessfully ? _choice.Task.Result : null;

    /// <summary>The choice; waits while the probe runs (cancelled when the agent stops before it is made).</summary>
    public Task<DomainTypeChoice> WaitAsync(CancellationToken cancellationToken) => _choice.Task.WaitAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var choice = DomainTypeDecision.Configured(options.Value.DomainType) ?? await ProbeAsync(stoppingToken);
            switch (choice)
            {
                case { Source: DomainTypeSource.Configured }:
                    LogConfigured(logger, choice.Name);
                    break;
                case { Type: VirtualizationType.Kvm }:
                    LogKvm(logger, choice.Source == DomainTypeSource.Cached ? "cached probe" : "probe", choice.Reason);
                    break;
                default:
                    LogFallback(logger, choice.Source == DomainTypeSource.Cached ? "cached probe" : "probe", choice.Reason);
                    break;
            }
            _choice.TrySetResult(choice);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _choice.TrySetCanceled(stoppingToken);
        }
    }

    private async Task<DomainTypeChoice> ProbeAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var deviceProblem = KvmProbe.DeviceProblem();
        if (deviceProblem is not null)
        {
            // Nothing to boot a guest on: no libvirt needed to know.
            return DomainTypeDecision.Decide(new KvmAvailability(deviceProblem, null), null);
        }
        var connection = await ConnectAsync(stoppingToken);
        var availability = new KvmAvailability(null, await KvmProbe.LibvirtProblemAsync(connection, stoppingToken));
        if (!availability.Usable)
        {
            return DomainTypeDecision.Decide(availability, null);
        }

        var release = KvmProbe.KernelRelease();
        var kernel = KvmProbe.FindKernel(settings.ProbeKernel, release);
        if (kernel is null)
        {
            var missing = string.IsNullOrEmpty(settings.ProbeKernel) ? "/boot/vmlinuz-*" : settings.ProbeKernel;
            return DomainTypeDecision.Decide(availability,
                new KvmProbeObservation("", null, 0, TimeSpan.Zero, TimedOut: false, StartFailure: $"no kernel image to boot ({missing} not found)"));
        }
        try
        {
            return await ProbeWithCacheAsync(connection, availability, release, kernel, stoppingToken);
        }
        catch (LibvirtException e)
        {
            // The connection died under the probe: no verdict on KVM, and none to cache.
            return DomainTypeDecision.Decide(availability,
                new KvmProbeObservation("", null, 0, TimeSpan.Zero, TimedOut: false, StartFailure: $"libvirt failed during the probe: {e.Message}"));
        }
    }

    private async Task<DomainTypeChoice> ProbeWithCacheAsync(
        LibvirtConnection connection, KvmAvailability availability, string release, FileInfo kernel, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var key = KvmProbeKey.For(release, await connection.GetVersionsAsync(stoppingToken), kernel);
        var cacheFile = string.IsNullOrEmpty(settings.ProbeCacheFile) ? null : Path.GetFullPath(settings.ProbeCacheFile);
        if (cacheFile is not null)
        {
            var cached = KvmProbeCache.Read(cacheFile, key);
            if (cached.Choice is not null)
            {
                return cached.Choice;
            }
            LogCacheMiss(logger, cacheFile, cached.Miss!);
        }

        // The probe's files go next to the cache, else to /var/tmp: qemu must reach them, and
        // libvirtd may run with a private /tmp (systemd's PrivateTmp, a mount namespace).
        var workDirectory = cacheFile is not null ? Path.GetDirectoryName(cacheFile)! : "/var/tmp";
        LogProbing(logger, kernel.FullName, settings.ProbeTimeout.TotalSeconds);
        var started = clock.GetTimestamp();
        var observation = await KvmProbe.RunGuestAsync(connection, kernel, workDirectory, settings.ProbeTimeout, clock, stoppingToken);
        var took = clock.GetElapsedTime(started);
        var choice = DomainTypeDecision.Decide(availability, observation);
        LogProbed(logger, took.TotalSeconds, choice.Name);
        // A probe that could not even start its guest says nothing lasting about this host.
        if (cacheFile is not null && observation.StartFailure is null && KvmProbeCache.Write(cacheFile, key, choice, clock.GetUtcNow(), took) is { } problem)
        {
            LogCacheNotWritten(logger, cacheFile, problem);
        }
        return choice;
    }

    /// <summary>The agent's libvirt connection; libvirtd may come up after the agent, so this retries until it answers.</summary>
    private async Task<LibvirtConnection> ConnectAsync(CancellationToken stoppingToken)
    {
        var backoff = new RetryBackoff();
        var reported = false;
        while (true)
        {
            try
            {
                return await libvirt.GetConnectionAsync(stoppingToken);
            }
            catch (LibvirtException e)
            {
                if (!reported)
                {
                    LogLibvirtUnreachable(logger, options.Value.LibvirtUri, e.Message);
                    reported = true;
                }
            }
            await Task.Delay(backoff.Next(), clock, stoppingToken);
        }
    }

    [LoggerMessage(EventId = 3701, Level = LogLevel.Information, Message = "Domain type {DomainType}: set by Compute:DomainType, not probed")]
    private static partial void LogConfigured(ILogger logger, string domainType);

    [LoggerMessage(EventId = 3702, Level = LogLevel.Information, Message = "Domain type kvm (from the {Source}): {Reason}")]
    private static partial void LogKvm(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 3703, Level = LogLevel.Warning, Message = "Domain type qemu (from the {Source}): KVM is not usable on this host, domains run under TCG emulation (much slower); set Compute:DomainType to force a type. Reason: {Reason}")]
    private static partial void LogFallback(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 3704, Level = LogLevel.Information, Message = "KVM probe: booting {Kernel} in a kvm guest for up to {TimeoutSeconds:0.#} s")]
    private static partial void LogProbing(ILogger logger, string kernel, double timeoutSeconds);

    [LoggerMessage(EventId = 3705, Level = LogLevel.Information, Message = "KVM probe finished in {Seconds:0.0} s: {DomainType}")]
    private static partial void LogProbed(ILogger logger, double seconds, string domainType);

    [LoggerMessage(EventId = 3706, Level = LogLevel.Information, Message = "KVM probe cache {Path} not used: {Miss}")]
    private static partial void LogCacheMiss(ILogger logger, string path, string miss);

    [LoggerMessage(EventId = 3707, Level = LogLevel.Warning, Message = "KVM probe cache {Path} could not be written ({Problem}); the next start probes again")]
    private static partial void LogCacheNotWritten(ILogger logger, string path, string problem);

    [LoggerMessage(EventId = 3708, Level = LogLevel.Warning, Message = "Waiting for libvirt at {Uri} to decide the domain type ({Error}); domain creation and registration wait too")]
    private static partial void LogLibvirtUnreachable(ILogger logger, string uri, string error);
}

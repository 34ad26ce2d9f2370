using System.Text;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Agent.Compute;

/// <summary>
/// The I/O of the start-up KVM probe: whether /dev/kvm opens, whether libvirt offers kvm, which
/// kernel to boot, and the probe guest itself. What the results mean is
/// <see cref="DomainTypeDecision"/>'s call.
/// </summary>
internal static class KvmProbe
{
    public const string DomainNamePrefix = "platform-kvm-probe-";

    private const string KvmDevice = "/dev/kvm";
    private const string BootDirectory = "/boot";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DestroyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The host's kernel release (uname -r).</summary>
    public static string KernelRelease()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Environment.OSVersion.Version.ToString();
        }
    }

    /// <summary>Why /dev/kvm cannot be used, or null when it opens read-write (as qemu opens it).</summary>
    public static string? DeviceProblem()
    {
        try
        {
            using var device = File.OpenHandle(KvmDevice, FileMode.Open, FileAccess.ReadWrite);
            return null;
        }
        catch (FileNotFoundException)
        {
            return $"{KvmDevice} does not exist (no kvm module, or no hardware virtualisation)";
        }
        catch (UnauthorizedAccessException e)
        {
            return $"{KvmDevice} cannot be opened: {e.Message}";
        }
        catch (IOException e)
        {
            return $"{KvmDevice} cannot be opened: {e.Message}";
        }
    }

    /// <summary>Why libvirt offers no kvm domains (its error), or null when it does.</summary>
    public static async Task<string?> LibvirtProblemAsync(LibvirtConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.GetDomainCapabilitiesAsync(VirtualizationType.Kvm, cancellationToken);
            return null;
        }
        catch (LibvirtException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// The kernel to boot: <paramref name="configured"/> when set, else the running kernel's
    /// image in /boot, else the newest /boot/vmlinuz-*; null when there is none.
    /// </summary>
    public static FileInfo? FindKernel(string? configured, string kernelRelease)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            var file = new FileInfo(configured);
            return file.Exists ? file : null;
        }
        var running = new FileInfo(Path.Combine(BootDirectory, "vmlinuz-" + kernelRelease));
        if (running.Exists)
        {
            return running;
        }
        try
        {
            return new DirectoryInfo(BootDirectory).EnumerateFiles("vmlinuz-*")
                .OrderByDescending(file => file.LastWriteTimeUtc)
                .ThenByDescending(file => file.Name, StringComparer.Ordinal)
                .FirstOrDefault();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Boots <paramref name="kernel"/> in a transient kvm domain and watches its console and
    /// state until the kernel proves its boot, the domain stops or pauses, or
    /// <paramref name="timeout"/> passes; the domain is destroyed afterwards whatever happened
    /// (and libvirt destroys it anyway when the agent's connection closes). The kernel is copied
    /// into <paramref name="workDirectory"/> first: the image in /boot belongs to the package
    /// manager, and qemu (or its security driver) must not hold or relabel it.
    /// </summary>
    public static async Task<KvmProbeObservation> RunGuestAsync(
        LibvirtConnection connection, FileInfo kernel, string workDirectory, TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        var name = DomainNamePrefix + Guid.NewGuid().ToString("N")[..8];
        var directory = Path.Combine(Path.GetFullPath(workDirectory), name);
        var serial = Path.Combine(directory, "serial.log");
        try
        {
            try
            {
                Directory.CreateDirectory(directory);
                var kernelCopy = Path.Combine(directory, "vmlinuz");
                kernel.CopyTo(kernelCopy);
                var definition = new ProbeDomainDefinition { Name = name, Uuid = Guid.NewGuid(), KernelPath = kernelCopy, SerialLogPath = serial };
                var started = clock.GetTimestamp();
                LibvirtDomain domain;
                try
                {
                    domain = await connection.CreateTransientDomainXmlAsync(definition.ToXml(), cancellationToken);
                }
                catch (LibvirtException e)
                {
                    return new KvmProbeObservation("", null, 0, clock.GetElapsedTime(started), TimedOut: false, StartFailure: e.Message);
                }
                using (domain)
                {
                    try
                    {
                        return await WatchAsync(domain, serial, started, timeout, clock, cancellationToken);
                    }
                    finally
                    {
                        await DestroyAsync(domain);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new KvmProbeObservation("", null, 0, TimeSpan.Zero, TimedOut: false, StartFailure: $"cannot prepare the probe's files in {directory}: {e.Message}");
            }
        }
        finally
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A leftover directory of a few MB; the next probe uses a new one.
            }
        }
    }

    private static async Task<KvmProbeObservation> WatchAsync(
        LibvirtDomain domain, string serial, long started, TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        while (true)
        {
            // The console first: a kernel that booted and already rebooted (panic=-1) has ended
            // its domain, and only the console still tells it booted.
            var text = ReadSerial(serial);
            var elapsed = clock.GetElapsedTime(started);
            if (DomainTypeDecision.BootedLine(text) is not null)
            {
                return new KvmProbeObservation(text, DomainState.Running, 0, elapsed, TimedOut: false);
            }
            DomainStateInfo? state;
            try
            {
                state = await domain.GetStateAsync(cancellationToken);
            }
            catch (LibvirtDomainNotFoundException)
            {
                state = null;
            }
            if (state is not { State: DomainState.Running or DomainState.Blocked })
            {
                // Stopped, paused or gone: what the console printed up to here is all there is.
                return new KvmProbeObservation(ReadSerial(serial), state?.State, state?.Reason ?? 0, elapsed, TimedOut: false);
            }
            if (elapsed >= timeout)
            {
                return new KvmProbeObservation(text, state.Value.State, state.Value.Reason, elapsed, TimedOut: true);
            }
            await Task.Delay(PollInterval, clock, cancellationToken);
        }
    }

    private static string ReadSerial(string path)
    {
        try
        {
            // qemu still writes it.
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(file, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "";
        }
    }

    private static async Task DestroyAsync(LibvirtDomain domain)
    {
        using var deadline = new CancellationTokenSource(DestroyTimeout);
        try
        {
            await domain.DestroyAsync(deadline.Token);
        }
        catch (LibvirtException)
        {
            // Gone already (it rebooted, which ends it), or the daemon went away, which destroys
            // an auto-destroy domain as well.
        }
        catch (OperationCanceledException)
        {
            // libvirt did not answer; the domain dies with the agent's connection at the latest.
        }
    }
}

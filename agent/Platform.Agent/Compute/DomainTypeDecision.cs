using System.Globalization;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Agent.Compute;

/// <summary>How the agent came to its domain type.</summary>
internal enum DomainTypeSource
{
    /// <summary>Compute:DomainType named it: nothing was probed.</summary>
    Configured,

    /// <summary>Decided at this start (a probe guest ran, or KVM was plainly unusable).</summary>
    Probed,

    /// <summary>An earlier start's probe on the same kernel, qemu, libvirt and probe kernel.</summary>
    Cached,
}

/// <summary>The domain type every domain of this agent gets, and why.</summary>
internal sealed record DomainTypeChoice(VirtualizationType Type, string Reason, DomainTypeSource Source)
{
    /// <summary>The libvirt spelling: "kvm" or "qemu".</summary>
    public string Name => DomainTypeDecision.NameOf(Type);
}

/// <summary>What the probe guest did, as seen from the host.</summary>
/// <param name="SerialText">Everything its serial console printed.</param>
/// <param name="FinalState">Its libvirt state when the probe stopped watching; null when the (transient) domain was already gone.</param>
/// <param name="FinalReason">libvirt's reason for <paramref name="FinalState"/> (virDomainPausedReason for a paused domain, …).</param>
/// <param name="Elapsed">From its start to that moment.</param>
/// <param name="TimedOut">The probe's time ran out while the guest still ran without having booted.</param>
/// <param name="StartFailure">libvirt's error when the probe guest could not even be started.</param>
internal sealed record KvmProbeObservation(
    string SerialText,
    DomainState? FinalState,
    int FinalReason,
    TimeSpan Elapsed,
    bool TimedOut,
    string? StartFailure = null);

/// <summary>Whether KVM is there to try at all, before any guest runs.</summary>
/// <param name="DeviceProblem">Why /dev/kvm cannot be used (missing, not openable); null when it opened.</param>
/// <param name="LibvirtProblem">Why libvirt offers no kvm domains (its domain capabilities error); null when it does.</param>
internal sealed record KvmAvailability(string? DeviceProblem, string? LibvirtProblem)
{
    public bool Usable => DeviceProblem is null && LibvirtProblem is null;
}

/// <summary>
/// The choice between kvm and qemu (TCG), free of I/O so that every outcome is testable: a
/// <c>/dev/kvm</c> that exists proves nothing (KVM-PVM and some nested setups run an OS-less
/// guest but kill a Linux kernel seconds into its boot), so kvm is chosen only on a clear
/// success — a real kernel reached the end of its boot on the serial console — and anything
/// else, including not knowing, falls back to qemu, which is slow but always runs.
/// </summary>
internal static class DomainTypeDecision
{
    public const string Auto = "auto";

    /// <summary>
    /// Lines a kernel prints only after it got through its whole boot to looking for a root file
    /// system or init: with no disk and no initramfs it ends in the VFS panic.
    /// </summary>
    public static readonly IReadOnlyList<string> BootedMarkers =
    [
        "VFS: Unable to mount root",
        "Run /init as init process",
        "Freeing unused kernel image",
        "No working init found",
    ];

    public static string NameOf(VirtualizationType type) => type == VirtualizationType.Kvm ? "kvm" : "qemu";

    /// <summary>The choice Compute:DomainType forces, or null for "auto" (probe).</summary>
    public static DomainTypeChoice? Configured(string setting) => setting switch
    {
        "kvm" => new DomainTypeChoice(VirtualizationType.Kvm, "set by Compute:DomainType (not probed)", DomainTypeSource.Configured),
        "qemu" => new DomainTypeChoice(VirtualizationType.Qemu, "set by Compute:DomainType (not probed)", DomainTypeSource.Configured),
        Auto => null,
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "Compute:DomainType must be auto, kvm or qemu"),
    };

    /// <summary>
    /// kvm when KVM is available and the probe guest booted; qemu with the reason otherwise.
    /// <paramref name="probe"/> is null when no probe guest ran (only meaningful when KVM is unavailable).
    /// </summary>
    public static DomainTypeChoice Decide(KvmAvailability availability, KvmProbeObservation? probe)
    {
        ArgumentNullException.ThrowIfNull(availability);
        if (availability.DeviceProblem is { } device)
        {
            return Qemu($"no usable /dev/kvm: {device}");
        }
        if (availability.LibvirtProblem is { } libvirt)
        {
            return Qemu($"libvirt offers no kvm domains: {libvirt}");
        }
        if (probe is null)
        {
            return Qemu("KVM was not probed: no probe guest ran");
        }
        if (probe.StartFailure is { } failure)
        {
            return Qemu($"the KVM probe guest did not start: {failure}");
        }
        var seconds = probe.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        if (BootedLine(probe.SerialText) is { } booted)
        {
            return new DomainTypeChoice(VirtualizationType.Kvm,
                $"a Linux kernel booted under KVM in {seconds} s (its console printed \"{booted}\")", DomainTypeSource.Probed);
        }
        var console = LastLine(probe.SerialText) is { } last ? $"its console last printed \"{last}\"" : "its console printed nothing";
        return probe.FinalState switch
        {
            DomainState.Paused => Qemu(
                $"KVM internal error (e.g. emulation failure): the probe guest was paused ({PausedReason(probe.FinalReason)}) {seconds} s after start before its kernel finished booting; {console}"),
            DomainState.Running or DomainState.Blocked when probe.TimedOut => Qemu(
                $"the probe guest's kernel did not finish booting under KVM within {seconds} s; {console}"),
            null => Qemu($"the probe guest vanished {seconds} s after start before its kernel finished booting; {console}"),
            { } state => Qemu($"the probe guest ended {StateName(state, probe.FinalReason)} {seconds} s after start before its kernel finished booting; {console}"),
        };
    }

    /// <summary>The first console line that proves the boot got through, or null.</summary>
    internal static string? BootedLine(string serialText)
    {
        foreach (var line in Lines(serialText))
        {
            if (BootedMarkers.Any(marker => line.Contains(marker, StringComparison.Ordinal)))
            {
                return Trim(line);
            }
        }
        return null;
    }

    private static DomainTypeChoice Qemu(string reason) => new(VirtualizationType.Qemu, reason, DomainTypeSource.Probed);

    private static string? LastLine(string serialText) => Lines(serialText).LastOrDefault() is { } line ? Trim(line) : null;

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n').Select(line => line.TrimEnd('\r', ' ')).Where(line => line.Length > 0);

    // Console lines carry a "[    1.234567] " timestamp and may be long: the reason stays one readable line.
    private static string Trim(string line)
    {
        line = line.Trim();
        return line.Length <= 160 ? line : line[..157] + "...";
    }

    // virDomainPausedReason
    private static string PausedReason(int reason) => reason switch
    {
        0 => "reason unknown",
        1 => "by a user",
        5 => "I/O error",
        6 => "watchdog",
        10 => "crashed",
        11 => "starting up",
        14 => "API error",
        _ => $"reason {reason}",
    };

    private static string StateName(DomainState state, int reason) => state switch
    {
        // virDomainShutoffReason
        DomainState.ShutOff => reason switch
        {
            1 => "shut down",
            2 => "destroyed",
            3 => "shut off (crashed)",
            6 => "shut off (failed to start)",
            _ => $"shut off (reason {reason})",
        },
        DomainState.Crashed => reason == 1 ? "crashed (guest panicked)" : "crashed",
        _ => state.ToString().ToLowerInvariant(),
    };
}

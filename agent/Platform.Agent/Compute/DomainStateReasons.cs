using Platform.Agent.Compute.Libvirt;

namespace Platform.Agent.Compute;

/// <summary>
/// libvirt's reason for a domain's state (virDomainGetState's second value, whose meaning depends
/// on the state) in words, and whether the guest can react to requests in that state.
/// </summary>
internal static class DomainStateReasons
{
    // virDomainPausedReason, by value.
    private static readonly string[] Paused =
    [
        "paused for an unknown reason", "paused on user request", "paused for offline migration", "paused for save",
        "paused for offline core dump", "paused due to a disk I/O error", "paused due to a watchdog event",
        "paused after restoring from snapshot", "paused during shutdown", "paused while creating a snapshot",
        "paused due to a guest crash or an emulation failure", "paused while starting up", "paused for post-copy migration",
        "paused after a failed post-copy migration", "paused after a failed libvirt call",
    ];

    // virDomainShutoffReason, by value.
    private static readonly string[] ShutOff =
    [
        "shut off", "shut down by the guest", "powered off", "shut off after a crash", "migrated away", "saved to a file",
        "shut off after the emulator failed", "shut off from a snapshot", "shut off by the daemon",
    ];

    // virDomainCrashedReason, by value.
    private static readonly string[] Crashed = ["crashed", "crashed: the guest panicked"];

    /// <summary>VIR_DOMAIN_SHUTOFF_CRASHED: a domain off because it crashed is reported as crashed, not stopped.</summary>
    public const int ShutOffCrashed = 3;

    public static string Describe(DomainState state, int reason) => state switch
    {
        DomainState.Paused => Pick(Paused, reason, "paused"),
        DomainState.ShutOff => Pick(ShutOff, reason, "shut off"),
        DomainState.Crashed => Pick(Crashed, reason, "crashed"),
        DomainState.PMSuspended => "suspended by the guest's power management",
        DomainState.ShuttingDown => "shutting down",
        DomainState.Running or DomainState.Blocked => "",
        _ => "state unknown to libvirt",
    };

    /// <summary>An active domain whose guest cannot act on a power button or a device removal.</summary>
    public static bool CannotReact(DomainState state) => state is DomainState.Paused or DomainState.Crashed or DomainState.PMSuspended;

    private static string Pick(string[] texts, int reason, string fallback) =>
        reason >= 0 && reason < texts.Length ? texts[reason] : $"{fallback} (reason {reason})";
}

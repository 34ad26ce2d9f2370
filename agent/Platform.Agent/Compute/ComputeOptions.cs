using System.ComponentModel.DataAnnotations;

namespace Platform.Agent.Compute;

internal sealed class ComputeOptions
{
    public const string Section = "Compute";

    /// <summary>Connection URI of this host's libvirtd.</summary>
    [Required]
    public string LibvirtUri { get; set; } = "qemu:///system";

    /// <summary>The Linux bridge guest NICs are plugged into.</summary>
    [Required]
    public string Bridge { get; set; } = "br0";

    /// <summary>
    /// libvirt domain type: "auto" probes at start whether KVM really runs a Linux guest and
    /// falls back to "qemu" (TCG) when it does not (see <see cref="DomainTypeSelection"/>);
    /// "kvm" or "qemu" force the type without a probe.
    /// </summary>
    [Required]
    [RegularExpression("^(auto|kvm|qemu)$", ErrorMessage = "Compute:DomainType must be auto, kvm or qemu")]
    public string DomainType { get; set; } = DomainTypeDecision.Auto;

    /// <summary>
    /// Where the probe's answer is kept, keyed by host kernel, qemu, libvirt and probe kernel,
    /// so that later starts do not probe again; empty probes at every start. The probe's
    /// temporary files (a copy of the kernel, the console log) go to the same directory.
    /// </summary>
    public string? ProbeCacheFile { get; set; } = "/var/cache/platform/kvm-probe.json";

    /// <summary>How long the probe guest may take to boot its kernel before KVM counts as unusable.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "00:05:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The kernel image the probe boots; unset, the running kernel's /boot/vmlinuz-RELEASE or else the newest /boot/vmlinuz-*.</summary>
    public string? ProbeKernel { get; set; }

    /// <summary>
    /// UUID of the libvirt ceph secret holding the Ceph user's key; empty derives a fixed one
    /// from the cluster fsid and the user, so every agent of a cluster uses the same.
    /// </summary>
    public string? CephSecretUuid { get; set; }

    /// <summary>How long one detach attempt waits for the guest to release the device.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan DetachTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many times a detach is requested before the agent reports the guest did not release the device.</summary>
    [Range(1, 10)]
    public int DetachAttempts { get; set; } = 3;

    /// <summary>How long ShutdownDomain waits for shut-off when the caller set no deadline.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DefaultShutdownTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// When set, each domain's serial console is written to <c>NAME.serial.log</c> in this
    /// directory (the guest's boot messages, for operators and tests); unset, domains have none.
    /// </summary>
    public string? SerialLogDirectory { get; set; }

    /// <summary>
    /// Whether NIC addresses are handed to guests by DHCP reservations in the libvirt network of
    /// the NIC's bridge; false leaves addressing to something else on the bridge.
    /// </summary>
    public bool Dhcp { get; set; } = true;

    /// <summary>The libvirt network that owns <see cref="Bridge"/>; empty: the network named like the bridge.</summary>
    [RegularExpression("^([A-Za-z0-9][A-Za-z0-9._-]{0,63})?$", ErrorMessage = "Compute:DhcpNetwork must be a libvirt network name (letters, digits, '.', '_', '-')")]
    public string? DhcpNetwork { get; set; }

    /// <summary>
    /// When set and the network is missing, the agent defines and starts it on first use (libvirt
    /// then creates <see cref="Bridge"/> with this address); unset, the network must exist.
    /// </summary>
    [RegularExpression(@"^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$", ErrorMessage = "Compute:DhcpGateway must be an IPv4 address")]
    public string? DhcpGateway { get; set; }

    /// <summary>The prefix length of <see cref="DhcpGateway"/>'s subnet.</summary>
    [Range(8, 30)]
    public int DhcpPrefixLength { get; set; } = 24;
}

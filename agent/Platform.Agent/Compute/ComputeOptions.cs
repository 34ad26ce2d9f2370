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

    /// <summary>libvirt domain type: "kvm" (hardware) or "qemu" (TCG, for hosts without usable KVM).</summary>
    [Required]
    [RegularExpression("^(kvm|qemu)$", ErrorMessage = "Compute:DomainType must be kvm or qemu")]
    public string DomainType { get; set; } = "kvm";

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

    public Libvirt.VirtualizationType VirtualizationType =>
        DomainType == "qemu" ? Libvirt.VirtualizationType.Qemu : Libvirt.VirtualizationType.Kvm;
}

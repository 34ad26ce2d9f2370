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
}

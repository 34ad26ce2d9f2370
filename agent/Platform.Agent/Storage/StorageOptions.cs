using System.ComponentModel.DataAnnotations;

namespace Platform.Agent.Storage;

internal sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>ceph.conf naming the monitors and this client's keyring.</summary>
    [Required]
    public string CephConf { get; set; } = "/etc/ceph/ceph.conf";

    /// <summary>The cephx user, without the "client." prefix.</summary>
    [Required]
    public string CephUser { get; set; } = "platform";

    [Required]
    public string ImagesPool { get; set; } = "images";

    [Required]
    public string VolumesPool { get; set; } = "volumes";
}

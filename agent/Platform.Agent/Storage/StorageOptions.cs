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

    /// <summary>
    /// rados_osd_op_timeout: how long one RADOS operation waits for an OSD (down, restarting)
    /// before the command fails with UNAVAILABLE instead of hanging.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan OsdOperationTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

using System.ComponentModel.DataAnnotations;

namespace Platform.Agent.Transfer;

internal sealed class TransferOptions
{
    public const string Section = "Transfer";

    /// <summary>Where uploaded files land and downloads are served from.</summary>
    [Required]
    public string Directory { get; set; } = "/var/lib/platform-agent/transfer";

    /// <summary>Bytes per message of a download; below the client's 4 MiB default limit.</summary>
    [Range(4096, 4 * 1024 * 1024 - 1024)]
    public int ChunkSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// The largest upload accepted, announced or not (the controller streams uploads whose length
    /// it does not know in advance): beyond it the upload fails with RESOURCE_EXHAUSTED instead
    /// of filling the host's disk. The largest driver archives (universal ISOs) are a few GiB.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 8L << 30;
}

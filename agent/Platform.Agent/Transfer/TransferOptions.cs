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
}

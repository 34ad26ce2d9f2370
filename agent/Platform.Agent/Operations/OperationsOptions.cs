using System.ComponentModel.DataAnnotations;

namespace Platform.Agent.Operations;

internal sealed class OperationsOptions
{
    public const string Section = "Operations";

    /// <summary>The operation journal (JSON lines); its directory is created when missing.</summary>
    [Required]
    public string JournalPath { get; set; } = "/var/lib/platform-agent/operations.journal";

    /// <summary>
    /// How long an outcome is kept for replay. Older records are dropped when the journal is loaded,
    /// and from memory while the agent runs: a controller retries within minutes, never days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);
}

using System.ComponentModel.DataAnnotations;

namespace Platform.Controller.Hosts;

internal sealed class HostsOptions : IValidatableObject
{
    public const string Section = "Hosts";

    /// <summary>How often agents are told to heartbeat.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A host silent for this long is marked down and gets no new work.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "01:00:00")]
    public TimeSpan DownAfter { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>vCPUs placed per physical CPU.</summary>
    [Range(0.1, 100.0)]
    public double CpuOvercommit { get; set; } = 4.0;

    /// <summary>Guest memory placed per byte of host memory.</summary>
    [Range(0.1, 100.0)]
    public double MemoryOvercommit { get; set; } = 1.0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Otherwise a healthy host is marked down between two of its heartbeats.
        if (DownAfter <= HeartbeatInterval)
        {
            yield return new ValidationResult(
                $"{Section}:DownAfter must be longer than {Section}:HeartbeatInterval ({DownAfter} is not longer than {HeartbeatInterval})",
                [nameof(DownAfter)]);
        }
    }
}

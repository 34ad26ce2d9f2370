namespace Platform.Controller.Hosts;

internal sealed class HostsOptions
{
    public const string Section = "Hosts";

    /// <summary>How often agents are told to heartbeat.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A host silent for this long is marked down and gets no new work.</summary>
    public TimeSpan DownAfter { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>vCPUs placed per physical CPU.</summary>
    public double CpuOvercommit { get; set; } = 4.0;

    /// <summary>Guest memory placed per byte of host memory.</summary>
    public double MemoryOvercommit { get; set; } = 1.0;
}

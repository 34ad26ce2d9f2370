namespace Platform.Controller.Agents;

internal sealed class AgentOptions
{
    public const string Section = "Agents";

    /// <summary>Deadline of reads (state, info, lists): an agent slower than this is treated as unreachable.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline of mutations (clone, define+start, hot-plug, ACPI shutdown).</summary>
    public TimeSpan MutationTimeout { get; set; } = TimeSpan.FromSeconds(120);
}

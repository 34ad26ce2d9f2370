using Microsoft.Extensions.Options;
using Platform.Rpc.Tls;

namespace Platform.Controller.Agents;

internal sealed class AgentOptions
{
    public const string Section = "Agents";

    /// <summary>Deadline of reads (state, info, lists): an agent slower than this is treated as unreachable.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline of mutations (clone, define+start, hot-plug, ACPI shutdown).</summary>
    public TimeSpan MutationTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// How long a mutation keeps retrying, with back-off, while its agent is unreachable
    /// (UNAVAILABLE: restarting, its libvirt or Ceph connection lost). Mutations carry operation
    /// ids, so a retry of one that did run is answered from the agent's journal or converges.
    /// Zero fails at the first UNAVAILABLE.
    /// </summary>
    public TimeSpan UnavailableRetryBudget { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Mutual TLS towards every agent: the platform CA agents' certificates must chain to, and the
    /// controller's client certificate and key. When set, agents must advertise https:// endpoints.
    /// </summary>
    public GrpcClientTlsOptions Tls { get; set; } = new();
}

/// <summary>Agents:Tls complete and its files loadable, at start-up rather than at the first agent call.</summary>
internal sealed class AgentTlsValidation : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var problems = options.Tls.Problems($"{AgentOptions.Section}:Tls").ToList();
        if (options.UnavailableRetryBudget < TimeSpan.Zero || options.UnavailableRetryBudget > TimeSpan.FromMinutes(10))
        {
            problems.Add($"{AgentOptions.Section}:UnavailableRetryBudget must be between 00:00:00 and 00:10:00 (it is {options.UnavailableRetryBudget})");
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

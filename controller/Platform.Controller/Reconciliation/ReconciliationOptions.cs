using System.ComponentModel.DataAnnotations;

namespace Platform.Controller.Reconciliation;

internal sealed class ReconciliationOptions
{
    public const string Section = "Reconciliation";

    /// <summary>Time between two comparisons of the inventory with the hosts and the RBD pools.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(60);
}

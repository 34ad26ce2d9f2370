namespace Platform.Controller.Reconciliation;

internal sealed class ReconciliationOptions
{
    public const string Section = "Reconciliation";

    /// <summary>Time between two comparisons of the inventory with the hosts and the RBD pools.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(60);
}

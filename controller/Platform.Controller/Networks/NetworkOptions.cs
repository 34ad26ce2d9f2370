namespace Platform.Controller.Networks;

/// <summary>The one network NICs are allocated from (section "Network"); upserted into networks at start-up.</summary>
internal sealed class NetworkOptions
{
    public const string Section = "Network";

    public string Id { get; set; } = "default";

    /// <summary>The host bridge guests are plugged into; empty means each agent's configured bridge.</summary>
    public string Bridge { get; set; } = "";

    public string Cidr { get; set; } = "10.200.0.0/16";

    public string Gateway { get; set; } = "10.200.0.1";

    public string RangeStart { get; set; } = "10.200.0.10";

    public string RangeEnd { get; set; } = "10.200.255.250";
}

namespace Platform.Controller.Networks;

/// <summary>
/// The request fields that name network interfaces, spelled as the seed's table columns
/// (network_interface_id, network_interface_name). The older nic_* spellings are still read as
/// aliases; answers use the seed's names only.
/// </summary>
internal static class NicFields
{
    public const string Id = "network_interface_id";
    public const string IdAlias = "nic_id";

    public const string Name = "network_interface_name";
    public const string NameAlias = "nic_name";

    /// <summary>instance/create: existing idle NICs to attach.</summary>
    public const string Ids = "network_interface_ids";
    public const string IdsAlias = "nic_ids";
}

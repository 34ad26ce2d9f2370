using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Platform.Controller.Networks;

/// <summary>The one network NICs are allocated from (section "Network"); upserted into networks at start-up.</summary>
internal sealed class NetworkOptions : IValidatableObject
{
    public const string Section = "Network";

    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    public string Id { get; set; } = "default";

    /// <summary>The host bridge guests are plugged into; empty means each agent's configured bridge.</summary>
    [RegularExpression("^([A-Za-z0-9._-]{1,15})?$", ErrorMessage = "Network:Bridge must be empty or a Linux interface name (at most 15 letters, digits, '.', '_', '-')")]
    public string Bridge { get; set; } = "";

    [Required]
    public string Cidr { get; set; } = "10.200.0.0/16";

    /// <summary>Empty: the network has no gateway.</summary>
    public string Gateway { get; set; } = "10.200.0.1";

    [Required]
    public string RangeStart { get; set; } = "10.200.0.10";

    [Required]
    public string RangeEnd { get; set; } = "10.200.255.250";

    /// <summary>
    /// What PostgreSQL would otherwise reject at start with no word of the setting, or accept
    /// and then allocate nothing from: the subnet, and the addresses within it.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPNetwork.TryParse(Cidr, out var network))
        {
            yield return new ValidationResult($"{Section}:Cidr must be a subnet such as 10.200.0.0/16 (it is '{Cidr}')", [nameof(Cidr)]);
            yield break;
        }
        var addresses = new List<(string Name, string Value)> { (nameof(RangeStart), RangeStart), (nameof(RangeEnd), RangeEnd) };
        if (Gateway.Length > 0)
        {
            addresses.Add((nameof(Gateway), Gateway));
        }
        var parsed = new Dictionary<string, IPAddress>();
        foreach (var (name, value) in addresses)
        {
            if (IPAddress.TryParse(value, out var address) && network.Contains(address))
            {
                parsed[name] = address;
            }
            else
            {
                yield return new ValidationResult($"{Section}:{name} must be an address within {Section}:Cidr {Cidr} (it is '{value}')", [name]);
            }
        }
        if (parsed.TryGetValue(nameof(RangeStart), out var start) && parsed.TryGetValue(nameof(RangeEnd), out var end)
            && new BigEndianAddress(start).CompareTo(new BigEndianAddress(end)) > 0)
        {
            yield return new ValidationResult($"{Section}:RangeStart must not come after {Section}:RangeEnd ({RangeStart} > {RangeEnd})", [nameof(RangeStart)]);
        }
    }

    /// <summary>Addresses of one family ordered as numbers.</summary>
    private readonly struct BigEndianAddress(IPAddress address) : IComparable<BigEndianAddress>
    {
        private readonly byte[] _bytes = address.GetAddressBytes();

        public int CompareTo(BigEndianAddress other) => _bytes.AsSpan().SequenceCompareTo(other._bytes);
    }
}

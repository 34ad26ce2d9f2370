using System.Text.RegularExpressions;
using Platform.Contracts.Controller.V1;

namespace Platform.Controller.Hosts;

internal static partial class HostRegistrationValidator
{
    // The agent's reasons are one sentence with a console line in it: well below this.
    private const int MaxReasonLength = 2000;

    public static bool IsHostId(string hostId) => HostIdSyntax().IsMatch(hostId);

    /// <summary>Every problem of the request at once.</summary>
    public static IReadOnlyList<string> Validate(RegisterHostRequest request)
    {
        var problems = new List<string>();
        if (!IsHostId(request.HostId))
        {
            problems.Add("host_id must be 1-64 characters of letters, digits, '.', '_' or '-'");
        }
        if (request.Hostname.Length is 0 or > 253)
        {
            problems.Add("hostname must be 1-253 characters");
        }
        if (!Uri.TryCreate(request.GrpcEndpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https") || endpoint.AbsolutePath != "/")
        {
            problems.Add("grpc_endpoint must be an http:// or https:// URL without a path");
        }
        if (!System.Net.IPAddress.TryParse(request.HostIp, out _))
        {
            problems.Add("host_ip must be an IP address");
        }
        if (request.Cpus is 0 or > 4096)
        {
            problems.Add("cpus must be between 1 and 4096");
        }
        if (request.MemoryTotalBytes == 0 || request.MemoryTotalBytes > long.MaxValue || request.MemoryFreeBytes > request.MemoryTotalBytes)
        {
            problems.Add("memory_total_bytes must be positive and at least memory_free_bytes");
        }
        if (request.DomainType is not ("" or "kvm" or "qemu"))
        {
            problems.Add("domain_type must be kvm or qemu (or empty from an older agent)");
        }
        if (request.DomainTypeReason.Length > MaxReasonLength)
        {
            problems.Add($"domain_type_reason must be at most {MaxReasonLength} characters");
        }
        return problems;
    }

    [GeneratedRegex(@"\A[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex HostIdSyntax();
}

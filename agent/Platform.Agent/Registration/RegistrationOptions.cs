using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Platform.Rpc.Tls;

namespace Platform.Agent.Registration;

/// <summary>
/// How the agent announces its host to the controller's HostRegistry. Unset values are filled in
/// after binding (<see cref="ResolveDefaults"/>): the machine id, the first IPv4 address, the
/// agent's own Kestrel "Grpc" endpoint.
/// </summary>
internal sealed class RegistrationOptions
{
    public const string Section = "Registration";

    /// <summary>The controller's gRPC address (http:// for h2c, https://); empty disables registration.</summary>
    public string? ControllerUrl { get; set; }

    /// <summary>Stable id of this host; default: /etc/machine-id, else the hostname.</summary>
    public string? HostId { get; set; }

    /// <summary>
    /// Where the controller reaches this agent's gRPC server; default: the URL of the Kestrel
    /// endpoint "Grpc" with a wildcard host (0.0.0.0, [::], *, +) replaced by <see cref="HostIp"/>.
    /// </summary>
    public string? AdvertisedEndpoint { get; set; }

    /// <summary>The address the host is known by; default: the first non-loopback IPv4 address of an up interface, else 127.0.0.1.</summary>
    public string? HostIp { get; set; }

    /// <summary>Deadline of each RegisterHost and Heartbeat call to the controller.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long collecting this host's inventory (libvirt, Ceph fsid, bridges) may take before the
    /// attempt counts as failed; above the 5 s Ceph connect timeout so that an absent cluster only
    /// leaves the fsid out.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan QueryDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Mutual TLS towards the controller: the platform CA its certificate must chain to, and this
    /// agent's own certificate and key (the controller admits only agents the CA issued).
    /// </summary>
    public GrpcClientTlsOptions Tls { get; set; } = new();

    public bool Enabled => !string.IsNullOrWhiteSpace(ControllerUrl);

    private const string MachineIdFile = "/etc/machine-id";
    private static readonly string[] WildcardHosts = ["0.0.0.0", "[::]", "*", "+"];

    /// <summary>Fills in what configuration left empty; <paramref name="grpcEndpointUrl"/> is Kestrel:Endpoints:Grpc:Url.</summary>
    public void ResolveDefaults(string? grpcEndpointUrl)
    {
        ControllerUrl = ControllerUrl?.Trim();
        if (string.IsNullOrWhiteSpace(HostId))
        {
            HostId = ReadMachineId() ?? Environment.MachineName;
        }
        if (string.IsNullOrWhiteSpace(HostIp))
        {
            HostIp = FirstHostIp();
        }
        if (string.IsNullOrWhiteSpace(AdvertisedEndpoint) && !string.IsNullOrWhiteSpace(grpcEndpointUrl))
        {
            AdvertisedEndpoint = ReplaceWildcardHost(grpcEndpointUrl.Trim(), HostIp);
        }
    }

    /// <summary>The URL with its host replaced by <paramref name="hostIp"/> when the host is a wildcard; otherwise unchanged.</summary>
    public static string ReplaceWildcardHost(string url, string hostIp)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return url;
        }
        var authorityStart = schemeEnd + 3;
        var pathStart = url.IndexOf('/', authorityStart);
        var authorityEnd = pathStart < 0 ? url.Length : pathStart;
        var authority = url[authorityStart..authorityEnd];
        // The port follows the last ':' outside brackets: "[::]:7050", "0.0.0.0:7050", "*:7050".
        var portSeparator = authority.LastIndexOf(':');
        if (portSeparator < authority.LastIndexOf(']'))
        {
            portSeparator = -1;
        }
        var host = portSeparator < 0 ? authority : authority[..portSeparator];
        if (!WildcardHosts.Contains(host, StringComparer.Ordinal))
        {
            return url;
        }
        var replacement = IPAddress.TryParse(hostIp, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"[{address}]"
            : hostIp;
        return url[..authorityStart] + replacement + authority[host.Length..] + url[authorityEnd..];
    }

    private static string? ReadMachineId()
    {
        try
        {
            var id = File.ReadAllText(MachineIdFile).Trim();
            return id.Length > 0 ? id : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string FirstHostIp()
    {
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
                {
                    continue;
                }
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    if (unicast.Address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(unicast.Address))
                    {
                        return unicast.Address.ToString();
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface list (a restricted container): loopback is all there is to offer.
        }
        return IPAddress.Loopback.ToString();
    }
}

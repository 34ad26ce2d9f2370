using Platform.Common.Hosting;

namespace Platform.Agent.Grpc;

/// <summary>
/// Who can reach the agent's gRPC services, checked at start. They are served on every Kestrel
/// endpoint that speaks HTTP/2, and they run guests and delete volumes: off this machine they
/// must be behind mutual TLS. Plain http (h2c, no authentication) or https without
/// Grpc:ClientCertificateAuthority is allowed on a loopback address only, where it is open to
/// every local user: for development, not for a compute host.
/// </summary>
internal static class AgentEndpointExposure
{
    /// <summary>
    /// One line per endpoint that would serve gRPC off this machine without mutual TLS, naming
    /// its Url key; empty when none does. <paramref name="clientAuthority"/>: whether
    /// Grpc:ClientCertificateAuthority is set. An endpoint whose Protocols is Http1 carries no
    /// gRPC (the health endpoint) and is not checked; malformed Urls are
    /// <see cref="KestrelEndpointSettings"/>' to report.
    /// </summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration, bool clientAuthority)
    {
        var problems = new List<string>();
        foreach (var endpoint in configuration.GetSection(KestrelEndpointSettings.Section).GetChildren())
        {
            if (string.Equals(endpoint["Protocols"], "Http1", StringComparison.OrdinalIgnoreCase)
                || endpoint["Url"] is not { } url
                || KestrelEndpointSettings.ParseUrl(url) is not { } address
                || address.IsLoopback)
            {
                continue;
            }
            var key = $"{endpoint.Path}:Url";
            if (address.Scheme != Uri.UriSchemeHttps)
            {
                problems.Add($"{key} is {url}: the agent's gRPC over plain http (h2c, no authentication) only on a loopback address (127.0.0.1, [::1], localhost); elsewhere use https:// with a certificate and {AgentGrpcOptions.AuthorityKey} (mutual TLS)");
            }
            else if (!clientAuthority)
            {
                problems.Add($"{key} is {url}, off this machine, so {AgentGrpcOptions.AuthorityKey} must be set: without it anyone who reaches the endpoint may command the agent");
            }
        }
        return problems;
    }
}

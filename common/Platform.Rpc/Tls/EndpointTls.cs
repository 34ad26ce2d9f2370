using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Platform.Common.Hosting;

namespace Platform.Rpc.Tls;

/// <summary>
/// The TLS of a daemon's Kestrel endpoints (Kestrel:Endpoints), set up in one place. Every https
/// endpoint whose certificate is PEM files (Certificate:Path and KeyPath) serves a
/// <see cref="ReloadingCertificate"/>, so a certificate renewed on disk is served by every
/// endpoint without a restart; features add what their endpoints require on top (a client CA).
/// One place, because <see cref="KestrelServerOptions.Configure(IConfiguration, bool)"/> makes a
/// new configuration loader on every call and drops the previous one's endpoint callbacks.
/// </summary>
public sealed class EndpointTls
{
    private const string EndpointsSection = "Kestrel:Endpoints";
    private static readonly object Key = typeof(EndpointTls);

    private readonly IConfiguration _configuration;
    private readonly Dictionary<string, ReloadingCertificate> _certificates;
    private readonly List<(string? Endpoint, Action<HttpsConnectionAdapterOptions> Require)> _requirements = [];

    private EndpointTls(IConfiguration configuration)
    {
        _configuration = configuration;
        // Loaded now: a certificate that does not load stops the daemon before it does anything.
        _certificates = configuration.GetSection(EndpointsSection).GetChildren()
            .Where(endpoint => IsHttps(endpoint["Url"]) && !endpoint.GetSection("Sni").Exists())
            .Select(endpoint => (endpoint.Key, Certificate: ServerCertificates.FromEndpointConfiguration(configuration, endpoint.Key)))
            .Where(pair => pair.Certificate is not null)
            .ToDictionary(pair => pair.Key, pair => pair.Certificate!, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The endpoints whose certificate is reloaded from its files, by name.</summary>
    public IReadOnlyCollection<string> ReloadingEndpoints => _certificates.Keys;

    /// <summary>
    /// The daemon's endpoint TLS, made (and handed to Kestrel) on the first call; features call
    /// it to add their requirements, in any order.
    /// </summary>
    public static EndpointTls Of(WebApplicationBuilder builder)
    {
        var properties = ((IHostBuilder)builder.Host).Properties;
        if (properties.TryGetValue(Key, out var existing))
        {
            return (EndpointTls)existing;
        }
        var tls = new EndpointTls(builder.Configuration);
        properties[Key] = tls;
        builder.WebHost.ConfigureKestrel(tls.Apply);
        return tls;
    }

    /// <summary>
    /// Mutual TLS on the https endpoint <paramref name="endpoint"/> (null: on every https endpoint):
    /// only clients presenting a certificate of <paramref name="authority"/> get through the handshake.
    /// </summary>
    public EndpointTls RequireClientCertificate(string? endpoint, PinnedCertificateAuthority authority)
    {
        _requirements.Add((endpoint, https => https.RequireClientCertificateFrom(authority)));
        return this;
    }

    private void Apply(KestrelServerOptions kestrel)
    {
        if (_certificates.Count == 0 && _requirements.Count == 0)
        {
            // Nothing to add (h2c, or certificates Kestrel loads itself): Kestrel's own loading stands as it is.
            return;
        }
        var loader = kestrel.Configure(_configuration.GetSection("Kestrel"), reloadOnChange: false);
        foreach (var endpoint in _configuration.GetSection(EndpointsSection).GetChildren())
        {
            var name = endpoint.Key;
            _certificates.TryGetValue(name, out var certificate);
            var requirements = _requirements
                .Where(r => r.Endpoint is null || string.Equals(r.Endpoint, name, StringComparison.OrdinalIgnoreCase))
                .Select(r => r.Require)
                .ToList();
            if (certificate is null && requirements.Count == 0)
            {
                continue;
            }
            loader.Endpoint(name, configured =>
            {
                if (!configured.IsHttps)
                {
                    return;
                }
                requirements.ForEach(require => require(configured.HttpsOptions));
                if (certificate is not null)
                {
                    configured.HttpsOptions.ServeReloading(certificate, kestrel);
                }
            });
        }
    }

    private static bool IsHttps(string? url) =>
        url is not null && KestrelEndpointSettings.ParseUrl(url) is { Scheme: "https" };
}

public static class EndpointTlsExtensions
{
    /// <summary>Every https endpoint with a PEM certificate serves it reloaded from its files (see <see cref="EndpointTls"/>).</summary>
    public static WebApplicationBuilder AddEndpointTls(this WebApplicationBuilder builder)
    {
        EndpointTls.Of(builder);
        return builder;
    }
}

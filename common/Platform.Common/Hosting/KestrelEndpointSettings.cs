using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Platform.Common.Hosting;

/// <summary>
/// The endpoints under <c>Kestrel:Endpoints</c>, checked when the host is built: Kestrel reads
/// them only when the server starts listening (after the controller's migrations), and some
/// mistakes it ignores altogether (an unknown key, a Protocols value it cannot parse).
/// Every endpoint needs a Url that Kestrel can bind (http:// or https://, a host, an optional
/// port, no path), Protocols and ClientCertificateMode among Kestrel's names, no https-only
/// setting on an http:// endpoint, and only the keys Kestrel's endpoint configuration reads.
/// </summary>
public static class KestrelEndpointSettings
{
    public const string Section = "Kestrel:Endpoints";

    /// <summary>What Kestrel reads of an endpoint (KestrelConfigurationLoader's ConfigurationReader).</summary>
    private static readonly HashSet<string> EndpointKeys = new(["Url", "Protocols", "Certificate", "ClientCertificateMode", "SslProtocols", "Sni"], StringComparer.OrdinalIgnoreCase);

    /// <summary>What Kestrel reads of one Sni entry: an endpoint's TLS settings for one host name.</summary>
    private static readonly HashSet<string> SniKeys = new(["Protocols", "Certificate", "ClientCertificateMode", "SslProtocols"], StringComparer.OrdinalIgnoreCase);

    /// <summary>A certificate from files (Path, KeyPath, Password) or from a store (Subject, Store, Location, AllowInvalid).</summary>
    private static readonly HashSet<string> CertificateKeys = new(["Path", "KeyPath", "Password", "Subject", "Store", "Location", "AllowInvalid"], StringComparer.OrdinalIgnoreCase);

    /// <summary>HttpProtocols' names, None excepted (an endpoint that speaks nothing is a mistake).</summary>
    private static readonly string[] ProtocolNames = Enum.GetNames<HttpProtocols>().Where(n => n != nameof(HttpProtocols.None)).ToArray();

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem (the daemon then stops with EX_CONFIG).</summary>
    public static void Validate(IConfiguration configuration)
    {
        var problems = Problems(configuration);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(Section, typeof(KestrelServerOptions), problems);
        }
    }

    /// <summary>What is wrong with the endpoints, one line per problem naming its key; empty when nothing is.</summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        var problems = new List<string>();
        foreach (var endpoint in configuration.GetSection(Section).GetChildren())
        {
            var url = endpoint["Url"];
            if (url is null)
            {
                problems.Add($"{endpoint.Path}:Url is missing: every endpoint needs one (is the endpoint's name misspelt?)");
            }
            else if (ParseUrl(url) is not { } address)
            {
                problems.Add($"{endpoint.Path}:Url is '{url}', not an address Kestrel can listen on: http:// or https://, a host (an IP address, localhost, * or +), an optional port, no path");
            }
            else if (address.Scheme == Uri.UriSchemeHttp && HttpsOnlySettings(endpoint).FirstOrDefault() is { } httpsOnly)
            {
                // Kestrel refuses these on a plain http endpoint, but only when it starts listening.
                problems.Add($"{httpsOnly} is set, but {endpoint.Path}:Url is '{url}': Certificate, ClientCertificateMode, SslProtocols and Sni need an https:// endpoint");
            }
            CheckTls(endpoint, EndpointKeys, problems);
            foreach (var host in endpoint.GetSection("Sni").GetChildren())
            {
                CheckTls(host, SniKeys, problems);
            }
        }
        return problems;
    }

    /// <summary>
    /// The address <paramref name="url"/> names, with * and + (every address) read as 0.0.0.0 and
    /// a UNIX socket (http://unix:/path) as localhost; null when Kestrel could not listen on it.
    /// </summary>
    public static Uri? ParseUrl(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return null;
        }
        var scheme = url[..schemeEnd].ToLowerInvariant();
        var rest = url[(schemeEnd + 3)..];
        if (scheme is not ("http" or "https"))
        {
            return null;
        }
        if (rest.StartsWith("unix:/", StringComparison.OrdinalIgnoreCase))
        {
            return new Uri($"{scheme}://localhost/");
        }
        if (rest.StartsWith('*') || rest.StartsWith('+'))
        {
            rest = "0.0.0.0" + rest[1..];
        }
        return Uri.TryCreate($"{scheme}://{rest}", UriKind.Absolute, out var uri)
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
            && !url.Contains('#', StringComparison.Ordinal) && !url.Contains('?', StringComparison.Ordinal)
            && uri.HostNameType != UriHostNameType.Unknown
                ? uri
                : null;
    }

    /// <summary>The settings of <paramref name="endpoint"/> that Kestrel takes for https only (ConfigurationReader.ThrowIfContainsHttpsOnlyConfiguration), by key.</summary>
    private static IEnumerable<string> HttpsOnlySettings(IConfigurationSection endpoint)
    {
        var certificate = endpoint.GetSection("Certificate");
        if (!string.IsNullOrEmpty(certificate["Path"]) || !string.IsNullOrEmpty(certificate["Subject"]))
        {
            yield return certificate.Path;
        }
        foreach (var key in new[] { "ClientCertificateMode", "SslProtocols", "Sni" })
        {
            if (endpoint.GetSection(key).Exists())
            {
                yield return endpoint.GetSection(key).Path;
            }
        }
    }

    private static void CheckTls(IConfigurationSection section, HashSet<string> known, List<string> problems)
    {
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key))
            {
                problems.Add($"{child.Path} is not a setting of a Kestrel endpoint (known: {string.Join(", ", known)})");
            }
        }
        CheckName(section.GetSection("Protocols"), ProtocolNames, problems);
        CheckName(section.GetSection("ClientCertificateMode"), Enum.GetNames<ClientCertificateMode>(), problems);
        // A list ("SslProtocols": ["Tls12", "Tls13"]), each of SslProtocols' names.
        var sslProtocols = section.GetSection("SslProtocols");
        foreach (var protocol in sslProtocols.GetChildren())
        {
            CheckName(protocol, Enum.GetNames<SslProtocols>(), problems);
        }
        if (sslProtocols.Value is not null)
        {
            problems.Add($"{sslProtocols.Path} is a list (\"SslProtocols\": [\"Tls12\", \"Tls13\"]; as variables {sslProtocols.Path}:0, :1, ...), not '{sslProtocols.Value}'");
        }
        foreach (var child in section.GetSection("Certificate").GetChildren())
        {
            if (!CertificateKeys.Contains(child.Key))
            {
                problems.Add($"{child.Path} is not a setting of a Kestrel certificate (known: {string.Join(", ", CertificateKeys)})");
            }
        }
    }

    private static void CheckName(IConfigurationSection setting, string[] names, List<string> problems)
    {
        if (setting.Value is { } value && !names.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add($"{setting.Path} is '{value}', not one of {string.Join(", ", names)}");
        }
    }
}

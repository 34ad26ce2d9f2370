using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Platform.Rpc.Identity;

/// <summary>What a certificate of the platform CA is for: the daemon or person presenting it.</summary>
public enum PlatformRole
{
    /// <summary>The controller: commands agents, serves the HostRegistry.</summary>
    Controller,

    /// <summary>A compute host's agent: registers and heartbeats its own host only.</summary>
    Agent,

    /// <summary>A person (platformctl): reflection, health and read-only agent calls.</summary>
    Operator,
}

/// <summary>
/// Who a peer is, as its certificate says in one subjectAltName URI:
/// <c>spiffe://platform/controller</c>, <c>spiffe://platform/agent/HOST_ID</c> or
/// <c>spiffe://platform/operator/NAME</c>. packaging/scripts/pki.sh issues these; both daemons
/// read them with <see cref="FromCertificate"/>.
/// </summary>
public sealed partial record PlatformIdentity(PlatformRole Role, string? Name)
{
    /// <summary>Every platform identity URI starts so (the trust domain "platform").</summary>
    public const string UriPrefix = "spiffe://platform/";

    /// <summary>Path segment of each role in the identity URI.</summary>
    public const string ControllerSegment = "controller";
    public const string AgentSegment = "agent";
    public const string OperatorSegment = "operator";

    /// <summary>What a host id or operator name may be: the HostRegistry's host_id syntax.</summary>
    public const string NamePattern = "^[A-Za-z0-9._-]{1,64}$";

    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);
    private const string SubjectAlternativeNameOid = "2.5.29.17";

    public static PlatformIdentity ForController() => new(PlatformRole.Controller, null);

    public static PlatformIdentity ForAgent(string hostId) => new(PlatformRole.Agent, hostId);

    public static PlatformIdentity ForOperator(string name) => new(PlatformRole.Operator, name);

    /// <summary>The URI that names this identity in a certificate.</summary>
    public string ToUri() => Role switch
    {
        PlatformRole.Controller => UriPrefix + ControllerSegment,
        PlatformRole.Agent => $"{UriPrefix}{AgentSegment}/{Name}",
        _ => $"{UriPrefix}{OperatorSegment}/{Name}",
    };

    public override string ToString() => ToUri();

    /// <summary>
    /// The identity <paramref name="uri"/> names, or null when it is no platform identity URI or a
    /// malformed one (an agent without a host, a controller with a name, a name out of syntax).
    /// </summary>
    public static PlatformIdentity? ParseUri(string uri)
    {
        if (!uri.StartsWith(UriPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var segments = uri[UriPrefix.Length..].Split('/');
        return segments switch
        {
            [ControllerSegment] => ForController(),
            [AgentSegment, var host] when IsName(host) => ForAgent(host),
            [OperatorSegment, var name] when IsName(name) => ForOperator(name),
            _ => null,
        };
    }

    /// <summary>
    /// The identity <paramref name="certificate"/> carries, or null with the reason: no platform
    /// identity URI, a malformed one, or more than one (a certificate is one identity, never two).
    /// </summary>
    public static PlatformIdentity? FromCertificate(X509Certificate2 certificate, [NotNullWhen(false)] out string? problem)
    {
        var uris = PlatformUris(certificate).ToList();
        if (uris.Count != 1)
        {
            problem = uris.Count == 0
                ? $"the certificate carries no {UriPrefix}… subjectAltName URI"
                : $"the certificate carries {uris.Count} {UriPrefix}… subjectAltName URIs; one is allowed";
            return null;
        }
        var identity = ParseUri(uris[0]);
        problem = identity is null ? $"the certificate's identity URI {uris[0]} is malformed" : null;
        return identity;
    }

    /// <summary>
    /// Why <paramref name="certificate"/>, presented by a server a client meant to reach as
    /// <paramref name="expected"/>, is not that peer; null when it is. A certificate of the
    /// platform CA says only that its holder is of the platform: an agent's certificate on the
    /// endpoint another host registered must not receive that host's commands.
    /// </summary>
    public static string? ServerMismatch(X509Certificate2 certificate, PlatformIdentity expected)
    {
        var identity = FromCertificate(certificate, out var problem);
        return identity is null ? $"the server's certificate is not {expected}: {problem}"
            : identity == expected ? null
            : $"the server's certificate is {identity}, not {expected}";
    }

    /// <summary>True when <paramref name="name"/> can be a host id or an operator name.</summary>
    public static bool IsName(string name) => NameSyntax().IsMatch(name);

    /// <summary>The subjectAltName URIs of <paramref name="certificate"/> under <see cref="UriPrefix"/>.</summary>
    private static IEnumerable<string> PlatformUris(X509Certificate2 certificate)
    {
        var uris = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAlternativeNameOid)
            {
                continue;
            }
            try
            {
                var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
                var names = reader.ReadSequence();
                while (names.HasData)
                {
                    if (names.PeekTag() == UriTag)
                    {
                        uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
                    }
                    else
                    {
                        names.ReadEncodedValue();
                    }
                }
            }
            catch (Exception e) when (e is AsnContentException or CryptographicException)
            {
                // A subjectAltName that does not decode names nobody.
                return [];
            }
        }
        return uris.Where(uri => uri.StartsWith(UriPrefix, StringComparison.Ordinal));
    }

    [GeneratedRegex(NamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex NameSyntax();
}

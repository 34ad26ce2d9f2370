using Platform.Rpc.Identity;
using Platform.Tests.Integration.Grpc;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// What packaging/scripts/pki.sh gives a real installation, made in a temporary directory: the
/// platform CA, the controller's certificate, one per agent naming its host, and an operator's,
/// each with its role as a spiffe://platform/… URI. A foreign CA issues look-alikes that the
/// platform must refuse.
/// </summary>
internal sealed class PlatformCertificates : IDisposable
{
    private readonly CertificateAuthority _authority;
    private readonly CertificateAuthority _foreignAuthority;
    private readonly Dictionary<string, PemFiles> _agents = [];

    private PlatformCertificates(string directory, CertificateAuthority authority, CertificateAuthority foreignAuthority)
    {
        Directory = directory;
        _authority = authority;
        _foreignAuthority = foreignAuthority;
        Controller = authority.IssuePeer(directory, "controller", "platform-controller", PlatformIdentity.ForController());
        Operator = authority.IssueClient(directory, "admin", "platform-admin", PlatformIdentity.ForOperator("admin"));
        ForeignController = foreignAuthority.IssuePeer(directory, "foreign-controller", "platform-controller", PlatformIdentity.ForController());
    }

    public string Directory { get; }

    /// <summary>PEM of the platform CA: the only one controller and agents trust.</summary>
    public string AuthorityPath => _authority.CertificatePath;

    /// <summary>The platform CA itself, to issue what a test needs beyond the usual.</summary>
    public CertificateAuthority Authority => _authority;

    public PemFiles Controller { get; }

    /// <summary>An operator's client certificate (pki.sh's admin.crt): for calling agents by hand.</summary>
    public PemFiles Operator { get; }

    /// <summary>Same names as <see cref="Controller"/>, issued by a CA nobody here trusts.</summary>
    public PemFiles ForeignController { get; }

    /// <summary>The certificate of the agent of <paramref name="hostId"/> (pki.sh agent HOST_ID), issued on first use.</summary>
    public PemFiles AgentFor(string hostId)
    {
        lock (_agents)
        {
            if (!_agents.TryGetValue(hostId, out var files))
            {
                files = _authority.IssuePeer(Directory, "agent-" + hostId, "platform-agent", PlatformIdentity.ForAgent(hostId));
                _agents[hostId] = files;
            }
            return files;
        }
    }

    /// <summary>An agent certificate for <paramref name="hostId"/> from a CA nobody here trusts.</summary>
    public PemFiles ForeignAgentFor(string hostId) =>
        _foreignAuthority.IssuePeer(Directory, "foreign-agent-" + hostId, "platform-agent", PlatformIdentity.ForAgent(hostId));

    public static PlatformCertificates Create()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("platform-pki-").FullName;
        var certificates = new PlatformCertificates(directory, CertificateAuthority.Create(directory, "platform-ca"), CertificateAuthority.Create(directory, "foreign-ca"));
        // The controllers' REST endpoints serve the controller certificate: the tests' HTTPS clients trust this CA.
        Infrastructure.TrustedTestAuthorities.Add(certificates.AuthorityPath);
        return certificates;
    }

    /// <summary>
    /// Controller configuration (keys with ':'): the HostRegistry endpoint serves TLS with the
    /// controller's certificate and admits only agents of the platform CA; calls to agents pin
    /// the CA and present <paramref name="clientCertificate"/> (none: TLS without a client certificate).
    /// </summary>
    public Dictionary<string, string> ControllerSettings(PemFiles? clientCertificate)
    {
        var settings = new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Grpc:Certificate:Path"] = Controller.CertificatePath,
            ["Kestrel:Endpoints:Grpc:Certificate:KeyPath"] = Controller.KeyPath,
            ["Grpc:ClientCertificateAuthority"] = AuthorityPath,
            ["Agents:Tls:CertificateAuthority"] = AuthorityPath,
        };
        if (clientCertificate is not null)
        {
            settings["Agents:Tls:CertificatePath"] = clientCertificate.CertificatePath;
            settings["Agents:Tls:KeyPath"] = clientCertificate.KeyPath;
        }
        return settings;
    }

    /// <summary>
    /// An agent serving mutual TLS with <paramref name="serverCertificate"/>, trusting only the
    /// platform CA, and presenting <paramref name="clientCertificate"/> when it registers (none:
    /// TLS without a client certificate).
    /// </summary>
    public AgentProcessOptions AgentOptions(PemFiles serverCertificate, PemFiles? clientCertificate, IReadOnlyDictionary<string, string> environment)
    {
        var withTls = new Dictionary<string, string>(environment)
        {
            ["PLATFORM_Registration__Tls__CertificateAuthority"] = AuthorityPath,
        };
        if (clientCertificate is not null)
        {
            withTls["PLATFORM_Registration__Tls__CertificatePath"] = clientCertificate.CertificatePath;
            withTls["PLATFORM_Registration__Tls__KeyPath"] = clientCertificate.KeyPath;
        }
        return new AgentProcessOptions
        {
            ServerCertificate = serverCertificate,
            ClientCertificateAuthority = AuthorityPath,
            Environment = withTls,
        };
    }

    public void Dispose()
    {
        _authority.Dispose();
        _foreignAuthority.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

using Platform.Tests.Integration.Grpc;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// What packaging/scripts/pki.sh gives a real installation, made in a temporary directory: the
/// platform CA, one certificate for the controller and one for the agents (each serves and is
/// presented as a client). A foreign CA issues look-alikes that the platform must refuse.
/// </summary>
internal sealed class PlatformCertificates : IDisposable
{
    private readonly CertificateAuthority _authority;
    private readonly CertificateAuthority _foreignAuthority;

    private PlatformCertificates(string directory, CertificateAuthority authority, CertificateAuthority foreignAuthority)
    {
        Directory = directory;
        _authority = authority;
        _foreignAuthority = foreignAuthority;
        Controller = authority.IssuePeer(directory, "controller", "platform-controller");
        Agent = authority.IssuePeer(directory, "agent", "platform-agent");
        Operator = authority.IssuePeer(directory, "admin", "platform-admin");
        ForeignController = foreignAuthority.IssuePeer(directory, "foreign-controller", "platform-controller");
        ForeignAgent = foreignAuthority.IssuePeer(directory, "foreign-agent", "platform-agent");
    }

    public string Directory { get; }

    /// <summary>PEM of the platform CA: the only one controller and agents trust.</summary>
    public string AuthorityPath => _authority.CertificatePath;

    public PemFiles Controller { get; }

    public PemFiles Agent { get; }

    /// <summary>An operator's client certificate (pki.sh's admin.crt): for calling agents by hand.</summary>
    public PemFiles Operator { get; }

    /// <summary>Same names as <see cref="Controller"/>, issued by a CA nobody here trusts.</summary>
    public PemFiles ForeignController { get; }

    /// <summary>Same names as <see cref="Agent"/>, issued by a CA nobody here trusts.</summary>
    public PemFiles ForeignAgent { get; }

    public static PlatformCertificates Create()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("platform-pki-").FullName;
        return new PlatformCertificates(directory, CertificateAuthority.Create(directory, "platform-ca"), CertificateAuthority.Create(directory, "foreign-ca"));
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

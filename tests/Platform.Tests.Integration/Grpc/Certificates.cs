using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Platform.Rpc.Identity;

namespace Platform.Tests.Integration.Grpc;

/// <summary>A certificate and its private key as PEM files (PKCS#8 key), the form Kestrel, grpcio and grpc-js all read.</summary>
internal sealed record PemFiles(string CertificatePath, string KeyPath)
{
    /// <summary>The certificate with its private key, for a .NET TLS client or server.</summary>
    public X509Certificate2 Load() => X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath);
}

/// <summary>A throwaway CA that issues server and client certificates (ECDSA P-256), written as PEM.</summary>
internal sealed class CertificateAuthority : IDisposable
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromHours(1);
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(2);
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private readonly ECDsa _key;

    private CertificateAuthority(string name, string certificatePath, ECDsa key, X509Certificate2 certificate)
    {
        Name = name;
        CertificatePath = certificatePath;
        _key = key;
        Certificate = certificate;
    }

    public string Name { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate (no key) as PEM: what peers are told to trust.</summary>
    public string CertificatePath { get; }

    public static CertificateAuthority Create(string directory, string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=Platform interop tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now - ClockSkew, now + Lifetime);
        var path = Path.Combine(directory, $"{name}.crt");
        File.WriteAllText(path, certificate.ExportCertificatePem() + "\n");
        // Never written to a file, but a secret of the run all the same.
        Infrastructure.TestSecrets.RecordPrivateKey(key.ExportPkcs8PrivateKeyPem(), $"private key of the test CA {name}");
        return new CertificateAuthority(name, path, key, certificate);
    }

    /// <summary>A TLS server certificate for <paramref name="dnsNames"/> and <paramref name="addresses"/>.</summary>
    public PemFiles IssueServer(string directory, string fileStem, IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses)
    {
        var names = new SubjectAlternativeNameBuilder();
        var dns = dnsNames.ToList();
        foreach (var name in dns)
        {
            names.AddDnsName(name);
        }
        foreach (var address in addresses)
        {
            names.AddIpAddress(address);
        }
        return Issue(directory, fileStem, $"CN={dns.FirstOrDefault() ?? fileStem}", names.Build(critical: false), ServerAuthentication);
    }

    /// <summary>A TLS client certificate (mutual TLS) with <paramref name="commonName"/> and, when given, its platform identity URI.</summary>
    public PemFiles IssueClient(string directory, string fileStem, string commonName, PlatformIdentity? identity = null)
    {
        X509Extension? names = null;
        if (identity is not null)
        {
            var builder = new SubjectAlternativeNameBuilder();
            builder.AddUri(new Uri(identity.ToUri()));
            names = builder.Build(critical: false);
        }
        return Issue(directory, fileStem, $"CN={commonName}", names, ClientAuthentication);
    }

    /// <summary>
    /// A daemon's certificate for both sides of mutual TLS, as the platform's controller and
    /// agents have: it serves 127.0.0.1, ::1 and localhost, is presented as a client, and
    /// carries <paramref name="identity"/> (none: a certificate of the platform CA without a role).
    /// </summary>
    public PemFiles IssuePeer(string directory, string fileStem, string commonName, PlatformIdentity? identity) =>
        Issue(directory, fileStem, $"CN={commonName}", PeerNames(identity), ServerAuthentication, ClientAuthentication);

    /// <summary>As <see cref="IssuePeer"/>, but without an extendedKeyUsage extension (X509Chain would take it as fit for every use).</summary>
    public PemFiles IssueWithoutExtendedKeyUsage(string directory, string fileStem, string commonName, PlatformIdentity identity) =>
        Issue(directory, fileStem, $"CN={commonName}", PeerNames(identity));

    private static X509Extension PeerNames(PlatformIdentity? identity)
    {
        var names = new SubjectAlternativeNameBuilder();
        if (identity is not null)
        {
            names.AddUri(new Uri(identity.ToUri()));
        }
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        return names.Build(critical: false);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }

    private PemFiles Issue(string directory, string fileStem, string subject, X509Extension? extension, params string[] extendedKeyUsages)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        if (extendedKeyUsages.Length > 0)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. extendedKeyUsages.Select(usage => new Oid(usage))], critical: false));
        }
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (extension is not null)
        {
            request.CertificateExtensions.Add(extension);
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), now - ClockSkew, now + Lifetime, serial);

        var files = new PemFiles(Path.Combine(directory, $"{fileStem}.crt"), Path.Combine(directory, $"{fileStem}.key"));
        File.WriteAllText(files.CertificatePath, certificate.ExportCertificatePem() + "\n");
        var keyPem = key.ExportPkcs8PrivateKeyPem();
        Infrastructure.TestSecrets.RecordPrivateKey(keyPem, $"private key {fileStem} of the test CA {Name}");
        File.WriteAllText(files.KeyPath, keyPem + "\n");
        File.SetUnixFileMode(files.KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return files;
    }
}

/// <summary>
/// Everything a mutual-TLS test needs, in one temporary directory: the platform CA with a
/// server certificate (SAN 127.0.0.1, ::1 and localhost) and a client certificate, and a
/// foreign CA with a client certificate that the platform must refuse.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory, CertificateAuthority authority, CertificateAuthority foreignAuthority, PemFiles server, PemFiles client, PemFiles foreignClient)
    {
        Directory = directory;
        Authority = authority;
        ForeignAuthority = foreignAuthority;
        Server = server;
        Client = client;
        ForeignClient = foreignClient;
    }

    public string Directory { get; }

    public CertificateAuthority Authority { get; }

    /// <summary>A CA nobody here trusts.</summary>
    public CertificateAuthority ForeignAuthority { get; }

    public PemFiles Server { get; }

    public PemFiles Client { get; }

    /// <summary>A client certificate issued by <see cref="ForeignAuthority"/>.</summary>
    public PemFiles ForeignClient { get; }

    public static TestCertificates Create()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("platform-certs-").FullName;
        var authority = CertificateAuthority.Create(directory, "platform-test-ca");
        var foreign = CertificateAuthority.Create(directory, "foreign-ca");
        var server = authority.IssueServer(directory, "server", ["localhost"], [IPAddress.Loopback, IPAddress.IPv6Loopback]);
        // The controller's identity: the agent admits it to every call.
        var client = authority.IssueClient(directory, "client", "platform-controller", PlatformIdentity.ForController());
        var foreignClient = foreign.IssueClient(directory, "foreign-client", "platform-controller", PlatformIdentity.ForController());
        return new TestCertificates(directory, authority, foreign, server, client, foreignClient);
    }

    public void Dispose()
    {
        Authority.Dispose();
        ForeignAuthority.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

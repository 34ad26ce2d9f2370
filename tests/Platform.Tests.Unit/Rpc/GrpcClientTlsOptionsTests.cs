using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Platform.Rpc.Tls;

namespace Platform.Tests.Unit.Rpc;

public class GrpcClientTlsOptionsTests
{
    private string _directory = null!;
    private string _authority = null!;
    private string _certificate = null!;
    private string _key = null!;

    [OneTimeSetUp]
    public void WriteFiles()
    {
        _directory = Directory.CreateTempSubdirectory("tls-options-").FullName;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=tls-options-test", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        _authority = Path.Combine(_directory, "ca.crt");
        _certificate = Path.Combine(_directory, "client.crt");
        _key = Path.Combine(_directory, "client.key");
        File.WriteAllText(_authority, certificate.ExportCertificatePem());
        File.WriteAllText(_certificate, certificate.ExportCertificatePem());
        File.WriteAllText(_key, key.ExportPkcs8PrivateKeyPem());
    }

    [OneTimeTearDown]
    public void RemoveFiles() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Nothing_set_is_h2c_without_problems()
    {
        var options = new GrpcClientTlsOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.Enabled, Is.False);
            Assert.That(options.Problems("Agents:Tls"), Is.Empty);
            Assert.That(options.LoadCredentials(), Is.Null);
        });
    }

    [Test]
    public void All_three_files_give_a_pinned_ca_and_a_client_certificate_with_its_key()
    {
        var options = new GrpcClientTlsOptions { CertificateAuthority = _authority, CertificatePath = _certificate, KeyPath = _key };

        using var credentials = options.LoadCredentials();

        Assert.Multiple(() =>
        {
            Assert.That(options.Problems("Agents:Tls"), Is.Empty);
            Assert.That(credentials?.Authority.Certificate.Subject, Is.EqualTo("CN=tls-options-test"));
            Assert.That(credentials?.Certificate?.HasPrivateKey, Is.True);
        });
    }

    [Test]
    public void A_client_certificate_without_a_ca_or_key_names_what_is_missing()
    {
        var problems = new GrpcClientTlsOptions { CertificatePath = _certificate }.Problems("Registration:Tls");

        Assert.That(problems, Is.EquivalentTo(new[]
        {
            "Registration:Tls:CertificateAuthority is needed with a client certificate: without it the server's certificate could not be checked",
            "Registration:Tls:CertificatePath and Registration:Tls:KeyPath go together",
        }));
    }

    [Test]
    public void A_missing_file_is_a_problem_not_an_exception()
    {
        var problems = new GrpcClientTlsOptions { CertificateAuthority = Path.Combine(_directory, "absent.crt") }.Problems("Agents:Tls");

        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.StartWith("Agents:Tls: ").And.Contain("absent.crt"));
    }
}

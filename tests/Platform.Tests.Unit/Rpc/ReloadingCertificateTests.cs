using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Platform.Rpc.Tls;

namespace Platform.Tests.Unit.Rpc;

/// <summary>A certificate renewed on disk is taken up on the next look after the check interval, never a broken pair.</summary>
public class ReloadingCertificateTests
{
    private string _directory = null!;
    private string _certificatePath = null!;
    private string _keyPath = null!;

    [SetUp]
    public void MakeDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("reloading-certificate-").FullName;
        _certificatePath = Path.Combine(_directory, "agent.crt");
        _keyPath = Path.Combine(_directory, "agent.key");
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void A_renewed_pair_is_presented_once_the_check_interval_passed()
    {
        var first = WritePair();
        var time = new ManualTime();
        var reloading = new ReloadingCertificate(_certificatePath, _keyPath, time);
        var second = WritePair();

        var beforeInterval = reloading.Current.SerialNumber;
        time.Advance(ReloadingCertificate.CheckInterval);
        var afterInterval = reloading.Current;

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.Not.EqualTo(first));
            Assert.That(beforeInterval, Is.EqualTo(first), "files are looked at once per interval, not per handshake");
            Assert.That(afterInterval.SerialNumber, Is.EqualTo(second));
            Assert.That(afterInterval.HasPrivateKey, Is.True);
        });
    }

    [Test]
    public void A_pair_that_does_not_match_keeps_the_previous_certificate_until_it_does()
    {
        var first = WritePair();
        var time = new ManualTime();
        var reloading = new ReloadingCertificate(_certificatePath, _keyPath, time);
        var (nextCertificate, nextKey) = MakePair();

        // The key lands first, as pki.sh moves it: for a moment key and certificate differ.
        File.WriteAllText(_keyPath, nextKey);
        time.Advance(ReloadingCertificate.CheckInterval);
        var halfway = reloading.Current.SerialNumber;
        File.WriteAllText(_certificatePath, nextCertificate.ExportCertificatePem());
        time.Advance(ReloadingCertificate.CheckInterval);
        var complete = reloading.Current.SerialNumber;

        Assert.Multiple(() =>
        {
            Assert.That(halfway, Is.EqualTo(first));
            Assert.That(complete, Is.EqualTo(nextCertificate.SerialNumber));
        });
    }

    [Test]
    public void Files_that_do_not_load_at_start_stop_the_start()
    {
        File.WriteAllText(_certificatePath, "not a certificate");
        File.WriteAllText(_keyPath, "not a key");

        Assert.That(() => new ReloadingCertificate(_certificatePath, _keyPath), Throws.InstanceOf<CryptographicException>().Or.InstanceOf<ArgumentException>());
    }

    private string WritePair()
    {
        var (certificate, key) = MakePair();
        File.WriteAllText(_certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(_keyPath, key);
        return certificate.SerialNumber;
    }

    private static (X509Certificate2 Certificate, string KeyPem) MakePair()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=platform-agent", key, HashAlgorithmName.SHA256);
        var certificate = request.Create(new X500DistinguishedName("CN=platform-agent"), X509SignatureGenerator.CreateForECDsa(key),
            DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), RandomNumberGenerator.GetBytes(16));
        return (certificate, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}

using System.Xml.Linq;
using Platform.Agent.Compute;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Tests.Unit.Agent.Compute;

public class KvmProbeCacheTests
{
    private static readonly KvmProbeKey Key = new("6.18.44-fc", "7.2.22", "9.0.0", "/boot/vmlinuz-6.1.0-57-amd64 8247232 2026-11-26T17:12:00.0000000Z");
    private static readonly DomainTypeChoice Fallback = new(VirtualizationType.Qemu, "KVM internal error: paused (crashed) 2.8 s after start", DomainTypeSource.Probed);

    private string _directory = null!;

    private string CacheFile => Path.Combine(_directory, "cache", "kvm-probe.json");

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("kvm-probe-cache-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void A_written_answer_is_read_back_for_the_same_key()
    {
        Assert.That(KvmProbeCache.Write(CacheFile, Key, Fallback, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(20.1)), Is.Null);

        var lookup = KvmProbeCache.Read(CacheFile, Key);

        Assert.That(lookup.Choice, Is.EqualTo(Fallback with { Source = DomainTypeSource.Cached }));
        Assert.That(lookup.Miss, Is.Null);
    }

    [Test]
    public void A_missing_file_is_a_miss()
    {
        var lookup = KvmProbeCache.Read(CacheFile, Key);

        Assert.That((lookup.Choice, lookup.Miss), Is.EqualTo(((DomainTypeChoice?)null, "no cached probe")));
    }

    [TestCase("6.19.0", "7.2.22", "9.0.0", "/boot/vmlinuz-6.1.0-57-amd64 8247232 2026-11-26T17:12:00.0000000Z", "kernel 6.19.0")]
    [TestCase("6.18.44-fc", "8.0.0", "9.0.0", "/boot/vmlinuz-6.1.0-57-amd64 8247232 2026-11-26T17:12:00.0000000Z", "qemu 8.0.0")]
    [TestCase("6.18.44-fc", "7.2.22", "9.1.0", "/boot/vmlinuz-6.1.0-57-amd64 8247232 2026-11-26T17:12:00.0000000Z", "libvirt 9.1.0")]
    [TestCase("6.18.44-fc", "7.2.22", "9.0.0", "/boot/vmlinuz-6.1.0-58-amd64 8250000 2026-12-01T10:00:00.0000000Z", "vmlinuz-6.1.0-58-amd64")]
    public void An_answer_made_on_other_versions_or_another_kernel_is_a_miss(string kernel, string qemu, string libvirt, string probeKernel, string named)
    {
        KvmProbeCache.Write(CacheFile, Key, Fallback, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(20));

        var lookup = KvmProbeCache.Read(CacheFile, new KvmProbeKey(kernel, qemu, libvirt, probeKernel));

        Assert.That(lookup.Choice, Is.Null);
        Assert.That(lookup.Miss, Does.Contain("this is").And.Contain(named));
    }

    [TestCase("")]
    [TestCase("{ not json")]
    [TestCase("{\"format\": 1}")]
    [TestCase("{\"format\": 2, \"key\": {}, \"domainType\": \"kvm\", \"reason\": \"r\"}")]
    [TestCase("[1, 2, 3]")]
    public void A_corrupt_file_is_a_miss_and_is_replaced_by_the_next_write(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CacheFile)!);
        File.WriteAllText(CacheFile, content);

        Assert.That(KvmProbeCache.Read(CacheFile, Key).Choice, Is.Null);
        Assert.That(KvmProbeCache.Write(CacheFile, Key, Fallback, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(3)), Is.Null);
        Assert.That(KvmProbeCache.Read(CacheFile, Key).Choice?.Type, Is.EqualTo(VirtualizationType.Qemu));
    }

    [Test]
    public void An_answer_naming_an_unknown_domain_type_is_a_miss()
    {
        KvmProbeCache.Write(CacheFile, Key, Fallback, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(3));
        File.WriteAllText(CacheFile, File.ReadAllText(CacheFile).Replace("\"qemu\"", "\"xen\"", StringComparison.Ordinal));

        var lookup = KvmProbeCache.Read(CacheFile, Key);

        Assert.That(lookup.Choice, Is.Null);
        Assert.That(lookup.Miss, Does.Contain("xen"));
    }

    [Test]
    public void Agents_writing_at_once_leave_one_complete_answer_and_no_temporary_files()
    {
        var kvm = new DomainTypeChoice(VirtualizationType.Kvm, "a Linux kernel booted under KVM in 1.1 s", DomainTypeSource.Probed);
        Parallel.For(0, 16, i =>
        {
            var problem = KvmProbeCache.Write(CacheFile, Key, i % 2 == 0 ? kvm : Fallback, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(i));
            Assert.That(problem, Is.Null);
        });

        var lookup = KvmProbeCache.Read(CacheFile, Key);

        Assert.That(lookup.Choice?.Reason, Is.AnyOf(kvm.Reason, Fallback.Reason));
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(CacheFile)!).Select(Path.GetFileName), Is.EqualTo(new[] { "kvm-probe.json" }));
    }

    [Test]
    public void An_unwritable_place_is_reported_not_thrown()
    {
        var blocked = Path.Combine(_directory, "a-file");
        File.WriteAllText(blocked, "");

        Assert.That(KvmProbeCache.Write(Path.Combine(blocked, "kvm-probe.json"), Key, Fallback, DateTimeOffset.UnixEpoch, TimeSpan.Zero), Is.Not.Null);
    }

    [Test]
    public void The_probe_guest_boots_a_kernel_with_a_serial_console_and_nothing_else()
    {
        var xml = XElement.Parse(new ProbeDomainDefinition
        {
            Name = "platform-kvm-probe-0a1b2c3d",
            Uuid = Guid.Parse("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"),
            KernelPath = "/var/cache/platform/platform-kvm-probe-0a1b2c3d/vmlinuz",
            SerialLogPath = "/var/cache/platform/platform-kvm-probe-0a1b2c3d/serial.log",
        }.ToXml());

        Assert.Multiple(() =>
        {
            Assert.That((string?)xml.Attribute("type"), Is.EqualTo("kvm"));
            Assert.That((string?)xml.Element("os")?.Element("kernel"), Is.EqualTo("/var/cache/platform/platform-kvm-probe-0a1b2c3d/vmlinuz"));
            Assert.That((string?)xml.Element("os")?.Element("cmdline"), Does.Contain("console=ttyS0").And.Contain("panic=-1"));
            Assert.That(xml.Element("os")?.Element("initrd"), Is.Null);
            Assert.That((string?)xml.Element("on_reboot"), Is.EqualTo("destroy"));
            Assert.That(xml.Element("devices")!.Elements().Select(e => e.Name.LocalName), Is.EqualTo(new[] { "serial", "console", "controller", "memballoon" }));
            Assert.That((string?)xml.Element("devices")?.Element("serial")?.Element("source")?.Attribute("path"), Does.EndWith("/serial.log"));
        });
        Assert.That(() => new ProbeDomainDefinition { Name = "p", Uuid = Guid.NewGuid(), KernelPath = "vmlinuz", SerialLogPath = "/s.log" }.ToXml(),
            Throws.ArgumentException);
    }
}

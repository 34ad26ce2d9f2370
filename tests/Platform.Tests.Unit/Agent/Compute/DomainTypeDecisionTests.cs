using System.ComponentModel.DataAnnotations;
using Platform.Agent.Compute;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Tests.Unit.Agent.Compute;

public class DomainTypeDecisionTests
{
    private static readonly KvmAvailability Available = new(null, null);

    // What Debian's kernel prints at the end of a boot without root file system or initramfs.
    private const string BootedConsole =
        "[    0.000000] Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org)\n" +
        "[    1.255401] VFS: Disk quotas dquot_6.6.0\n" +
        "[    2.415011] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n";

    // What a KVM-PVM guest printed (earlyprintk) before it hung.
    private const string EarlyConsole = "\r\nPhysical KASLR disabled: no suitable memory region!\r\n";

    [TestCase("kvm", true)]
    [TestCase("qemu", false)]
    public void A_configured_type_is_taken_without_a_probe(string setting, bool kvm)
    {
        var expected = kvm ? VirtualizationType.Kvm : VirtualizationType.Qemu;
        var choice = DomainTypeDecision.Configured(setting);

        Assert.That(choice, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(choice!.Type, Is.EqualTo(expected));
            Assert.That(choice.Name, Is.EqualTo(setting));
            Assert.That(choice.Source, Is.EqualTo(DomainTypeSource.Configured));
            Assert.That(choice.Reason, Does.Contain("Compute:DomainType"));
        });
    }

    [Test]
    public void Auto_asks_for_a_probe_and_anything_else_is_refused()
    {
        Assert.That(DomainTypeDecision.Configured("auto"), Is.Null);
        Assert.That(() => DomainTypeDecision.Configured("KVM"), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [TestCase("auto", true)]
    [TestCase("kvm", true)]
    [TestCase("qemu", true)]
    [TestCase("KVM", false)]
    [TestCase("tcg", false)]
    [TestCase("", false)]
    public void Compute_DomainType_takes_auto_kvm_or_qemu_and_defaults_to_auto(string value, bool valid)
    {
        var options = new ComputeOptions { DomainType = value };

        Assert.That(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true), Is.EqualTo(valid));
        Assert.That(new ComputeOptions().DomainType, Is.EqualTo("auto"));
    }

    [Test]
    public void A_kernel_that_booted_to_its_root_mount_panic_means_kvm()
    {
        // With panic=-1 the guest rebooted, which ended the transient domain: gone, but its console says it booted.
        var choice = DomainTypeDecision.Decide(Available, new KvmProbeObservation(BootedConsole, null, 0, TimeSpan.FromSeconds(1.24), TimedOut: false));

        Assert.Multiple(() =>
        {
            Assert.That(choice.Type, Is.EqualTo(VirtualizationType.Kvm));
            Assert.That(choice.Source, Is.EqualTo(DomainTypeSource.Probed));
            Assert.That(choice.Reason, Does.Contain("booted under KVM in 1.2 s"));
            Assert.That(choice.Reason, Does.Contain("VFS: Unable to mount root fs"));
        });
    }

    [Test]
    public void A_guest_paused_by_an_emulation_failure_means_qemu()
    {
        // libvirt: paused, reason crashed (VIR_DOMAIN_PAUSED_CRASHED) after qemu's "KVM internal error".
        var choice = DomainTypeDecision.Decide(Available, new KvmProbeObservation(EarlyConsole, DomainState.Paused, 10, TimeSpan.FromSeconds(2.83), TimedOut: false));

        Assert.Multiple(() =>
        {
            Assert.That(choice.Type, Is.EqualTo(VirtualizationType.Qemu));
            Assert.That(choice.Reason, Does.StartWith("KVM internal error"));
            Assert.That(choice.Reason, Does.Contain("paused (crashed) 2.8 s after start"));
            Assert.That(choice.Reason, Does.Contain("Physical KASLR disabled"));
        });
    }

    [Test]
    public void No_kvm_device_means_qemu_whatever_else_is_known()
    {
        var choice = DomainTypeDecision.Decide(new KvmAvailability("/dev/kvm does not exist", null), null);

        Assert.That((choice.Type, choice.Reason), Is.EqualTo((VirtualizationType.Qemu, "no usable /dev/kvm: /dev/kvm does not exist")));
    }

    [Test]
    public void Libvirt_without_kvm_domains_means_qemu()
    {
        var choice = DomainTypeDecision.Decide(new KvmAvailability(null, "unsupported configuration: KVM is not supported"), null);

        Assert.That(choice.Type, Is.EqualTo(VirtualizationType.Qemu));
        Assert.That(choice.Reason, Does.Contain("libvirt offers no kvm domains").And.Contain("KVM is not supported"));
    }

    [Test]
    public void A_silent_guest_at_the_deadline_means_qemu()
    {
        var choice = DomainTypeDecision.Decide(Available, new KvmProbeObservation("", DomainState.Running, 1, TimeSpan.FromSeconds(20.06), TimedOut: true));

        Assert.Multiple(() =>
        {
            Assert.That(choice.Type, Is.EqualTo(VirtualizationType.Qemu));
            Assert.That(choice.Reason, Does.Contain("did not finish booting under KVM within 20.1 s"));
            Assert.That(choice.Reason, Does.Contain("printed nothing"));
        });
    }

    [Test]
    public void Early_console_output_is_no_proof_of_a_boot()
    {
        // The kernel started (even got to its VFS caches) but never reached the root mount.
        const string Partial = "[    0.000000] Linux version 6.1.0-57-amd64\n[    1.255401] VFS: Disk quotas dquot_6.6.0\n";
        var choice = DomainTypeDecision.Decide(Available, new KvmProbeObservation(Partial, DomainState.Running, 1, TimeSpan.FromSeconds(20), TimedOut: true));

        Assert.That(choice.Type, Is.EqualTo(VirtualizationType.Qemu));
        Assert.That(choice.Reason, Does.Contain("last printed \"[    1.255401] VFS: Disk quotas dquot_6.6.0\""));
    }

    [Test]
    public void A_guest_that_stopped_or_vanished_without_booting_means_qemu()
    {
        var stopped = DomainTypeDecision.Decide(Available, new KvmProbeObservation(EarlyConsole, DomainState.ShutOff, 3, TimeSpan.FromSeconds(0.5), TimedOut: false));
        var vanished = DomainTypeDecision.Decide(Available, new KvmProbeObservation("", null, 0, TimeSpan.FromSeconds(0.5), TimedOut: false));

        Assert.Multiple(() =>
        {
            Assert.That(stopped.Type, Is.EqualTo(VirtualizationType.Qemu));
            Assert.That(stopped.Reason, Does.Contain("shut off (crashed) 0.5 s after start"));
            Assert.That(vanished.Type, Is.EqualTo(VirtualizationType.Qemu));
            Assert.That(vanished.Reason, Does.Contain("vanished 0.5 s after start"));
        });
    }

    [Test]
    public void A_probe_guest_that_could_not_start_means_qemu()
    {
        var choice = DomainTypeDecision.Decide(Available, new KvmProbeObservation("", null, 0, TimeSpan.Zero, TimedOut: false, StartFailure: "internal error: process exited while connecting to monitor"));

        Assert.That(choice.Type, Is.EqualTo(VirtualizationType.Qemu));
        Assert.That(choice.Reason, Is.EqualTo("the KVM probe guest did not start: internal error: process exited while connecting to monitor"));
    }

    [Test]
    public void Without_any_probe_kvm_is_never_chosen()
    {
        Assert.That(DomainTypeDecision.Decide(Available, null).Type, Is.EqualTo(VirtualizationType.Qemu));
    }

    [Test]
    public void A_long_console_line_is_shortened_in_the_reason()
    {
        var line = "[    2.4] Kernel panic - not syncing: VFS: Unable to mount root fs " + new string('x', 400);
        var choice = DomainTypeDecision.Decide(Available, new KvmProbeObservation(line, DomainState.Running, 1, TimeSpan.FromSeconds(1), TimedOut: false));

        Assert.That(choice.Type, Is.EqualTo(VirtualizationType.Kvm));
        Assert.That(choice.Reason, Has.Length.LessThan(260));
    }
}

using Platform.Controller.Volumes;

namespace Platform.Tests.Unit.Controller;

public class VolumeDevicesTests
{
    [Test]
    public void First_data_disk_is_vdb_because_vda_is_the_boot_disk() =>
        Assert.That(VolumeDevices.NextFree([]), Is.EqualTo("vdb"));

    [Test]
    public void Boot_disk_does_not_shift_the_first_data_disk() =>
        Assert.That(VolumeDevices.NextFree(["vda"]), Is.EqualTo("vdb"));

    [Test]
    public void Lowest_gap_is_reused() =>
        Assert.That(VolumeDevices.NextFree(["vda", "vdb", "vdd", "vdc", "vdf"]), Is.EqualTo("vde"));

    [Test]
    public void Last_free_is_vdz()
    {
        var used = VolumeDevices.DataDisks.Where(d => d != "vdz").Append("vda");
        Assert.That(VolumeDevices.NextFree(used), Is.EqualTo("vdz"));
    }

    [Test]
    public void Null_when_all_25_data_disks_are_used()
    {
        Assert.That(VolumeDevices.DataDisks, Has.Count.EqualTo(25));
        Assert.That(VolumeDevices.NextFree(VolumeDevices.DataDisks), Is.Null);
    }

    [Test]
    public void Unknown_names_do_not_count_as_used() =>
        Assert.That(VolumeDevices.NextFree(["sda", "hdb", "VDB"]), Is.EqualTo("vdb"));
}

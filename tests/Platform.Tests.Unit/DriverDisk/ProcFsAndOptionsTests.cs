using System.ComponentModel.DataAnnotations;
using Platform.Agent.DriverDisk;

namespace Platform.Tests.Unit.DriverDisk;

public class ProcFsAndOptionsTests
{
    [Test]
    public void Mountinfo_lines_give_mount_point_type_and_source_with_escapes_undone()
    {
        var mounts = ProcFs.ParseMountInfo("""
            45 27 0:40 / /var/lib/dd/run/active.raw rw,nosuid,nodev,relatime - fuse /dev/fuse rw,user_id=0,group_id=0,default_permissions,allow_other
            46 27 0:41 / /var/lib/dd/run/my\040mnt rw,relatime shared:5 master:1 - fuse /var/lib/dd/run/active.raw rw,user_id=0,group_id=0,allow_other
            not a mountinfo line
            """);
        Assert.That(mounts, Is.EqualTo(new[]
        {
            new MountEntry("/var/lib/dd/run/active.raw", "fuse", "/dev/fuse"),
            new MountEntry("/var/lib/dd/run/my mnt", "fuse", "/var/lib/dd/run/active.raw"),
        }));
    }

    [Test]
    public void Stat_lines_give_zombie_state_and_start_time_even_with_odd_command_names()
    {
        var fields = string.Join(' ', Enumerable.Range(4, 19).Select(i => i == 22 ? "987654" : "0"));
        Assert.That(ProcFs.ParseStat($"123 (ntfs-3g) S {fields}"), Is.EqualTo((false, 987654L)));
        Assert.That(ProcFs.ParseStat($"123 (a) (b) Z {fields}"), Is.EqualTo((true, 987654L)));
        Assert.That(ProcFs.ParseStat("garbage"), Is.Null);
    }

    [Test]
    public void The_defaults_are_valid()
    {
        var options = new DriverDiskOptions();
        Assert.That(Validate(options), Is.Empty);
        Assert.That(options.DefaultSizeBytes, Is.EqualTo(256L << 30));
        Assert.That((options.DeltaCount, options.DeltaMaxAge), Is.EqualTo((3, TimeSpan.FromDays(30))));
    }

    [TestCase("relative/state", "/var/lib/b", "absolute path")]
    [TestCase("/var/lib/a", "/var/lib/a/backup", "must not contain one another")]
    [TestCase("/var/lib/a/state", "/var/lib/a", "must not contain one another")]
    public void Directories_must_be_absolute_and_apart(string state, string backup, string problem)
    {
        var options = new DriverDiskOptions { StateDirectory = state, BackupDirectory = backup };
        Assert.That(Validate(options), Has.Some.Contains(problem));
    }

    [Test]
    public void Sibling_directories_with_a_common_prefix_are_apart() =>
        Assert.That(Validate(new DriverDiskOptions { StateDirectory = "/var/lib/dd", BackupDirectory = "/var/lib/dd-backup" }), Is.Empty);

    private static List<string> Validate(DriverDiskOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage ?? "")];
    }
}

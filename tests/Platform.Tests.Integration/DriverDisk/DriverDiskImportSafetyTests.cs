using System.IO.Compression;
using Platform.Agent.DriverDisk;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>Hostile and broken uploads are refused with their reason, and leave the mount and the backup exactly as they were.</summary>
public class DriverDiskImportSafetyTests : DriverDiskTestBase
{
    private sealed record Case(string Name, string File, DriverFolder Folder, DriverDiskErrorKind Kind, string Reason, string Target = "Bad");

    [Test]
    public async Task Malicious_and_broken_archives_are_refused_and_change_nothing()
    {
        var archives = new DriverArchives(Scratch);
        var engine = await InitializedEngineAsync(options =>
        {
            options.MaxArchiveEntries = 50;
            options.MaxArchiveBytes = 1 << 20;
        });
        // Something on the disk already, so that "unchanged" has content to compare.
        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["x/good.inf"] = DriverArchives.Text("good") }, "good.zip"), "good.zip", DriverFolder.Printer, "Good");
        var mountBefore = DiskViews.Tree(engine.MountPoint);
        var backupBefore = DiskViews.Tree(BackupDirectory);
        var stateFile = await File.ReadAllTextAsync(Path.Combine(StateDirectory, "state.json"));

        var many = Enumerable.Range(0, 60).ToDictionary(i => $"f{i:00}.inf", i => DriverArchives.Text($"{i}"));
        var cases = new List<Case>
        {
            new("zip-slip", archives.Zip(new Dictionary<string, byte[]> { ["ok.inf"] = [1], ["../../evil.inf"] = [2] }, "slip.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArchive, "climbs out with '..'"),
            new("absolute path", archives.Zip(new Dictionary<string, byte[]> { ["/etc/evil.conf"] = [1] }, "absolute.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArchive, "is an absolute path"),
            new("backslash", archives.Zip(new Dictionary<string, byte[]> { ["ok\\..\\..\\evil.inf"] = [1] }, "backslash.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArchive, "holds '\\'"),
            new("symbolic link", archives.ZipWithSymlink("passwd", "/etc/passwd", "symlink.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArchive, "is a symbolic link"),
            new("device name", archives.Zip(new Dictionary<string, byte[]> { ["drv/CON.inf"] = [1] }, "device.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArchive, "Windows device name"),
            new("name Windows cannot hold", archives.Zip(new Dictionary<string, byte[]> { ["drv/a:b.inf"] = [1] }, "colon.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArchive, "holds ':'"),
            new("names differing in case", archives.Zip(new Dictionary<string, byte[]> { ["A.inf"] = [1], ["a.inf"] = [2] }, "case.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArchive, "appears twice"),
            new("corrupt data", archives.CorruptZip("corrupt.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArchive, "fails 7-Zip's test"),
            new("truncated", archives.TruncatedZip("truncated.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArchive, "Unexpected end of archive"),
            new("random bytes named .iso", archives.RandomBytes("random.iso"), DriverFolder.SystemUniversal, DriverDiskErrorKind.InvalidArchive, "not an archive"),
            new("a program named .iso", archives.Program("setup.iso"), DriverFolder.SystemUniversal, DriverDiskErrorKind.UnacceptableType, "has the content type ELF"),
            new("a zip named .iso", archives.Zip(new Dictionary<string, byte[]> { ["a.inf"] = [1] }, "zip.iso"), DriverFolder.SystemUniversal, DriverDiskErrorKind.UnacceptableType, "has the content type zip"),
            new("too many entries", archives.Zip(many, "many.zip"), DriverFolder.SystemExtracted, DriverDiskErrorKind.InvalidArchive, "more than the 50 allowed"),
            new("too large", archives.Zip(new Dictionary<string, byte[]> { ["zeros.bin"] = new byte[2 << 20] }, "large.zip", CompressionLevel.Optimal), DriverFolder.SystemExtracted, DriverDiskErrorKind.InvalidArchive, "more than the 1048576 allowed"),
            new("empty", archives.Zip(new Dictionary<string, byte[]>(), "empty.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArchive, "holds no files"),
            new("target name with a separator", archives.Zip(new Dictionary<string, byte[]> { ["a.inf"] = [1] }, "t1.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArgument, "plain name", Target: "../x"),
            new("target name that is a device", archives.Zip(new Dictionary<string, byte[]> { ["a.inf"] = [1] }, "t2.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArgument, "device name", Target: "NUL"),
            new("target name with a trailing dot", archives.Zip(new Dictionary<string, byte[]> { ["a.inf"] = [1] }, "t3.zip"), DriverFolder.Printer, DriverDiskErrorKind.InvalidArgument, "ends with a dot", Target: "name."),
            new("target name taken", archives.Zip(new Dictionary<string, byte[]> { ["b.inf"] = [1] }, "t4.zip"), DriverFolder.Printer, DriverDiskErrorKind.AlreadyExists, "exists in pri", Target: "GOOD"),
        };

        foreach (var @case in cases)
        {
            var result = await engine.ImportAsync(Upload(@case.File, "upload-" + Path.GetFileName(@case.File)), @case.Folder, @case.Target);
            Assert.That(result.Error, Is.Not.Null, $"{@case.Name} must be refused");
            Assert.That(result.Error!.Kind, Is.EqualTo(@case.Kind), $"{@case.Name}: {result.Error}");
            Assert.That(result.Error.ToString(), Does.Contain(@case.Reason), $"{@case.Name}: the reason");
        }
        ExpectError(await engine.ImportAsync("never-uploaded.zip", DriverFolder.Printer, "X"), DriverDiskErrorKind.NotFound, "an upload that does not exist");

        Assert.That(DiskViews.Tree(engine.MountPoint), Is.EqualTo(mountBefore), "the mount is byte for byte as before");
        Assert.That(DiskViews.Tree(BackupDirectory), Is.EqualTo(backupBefore), "the backup is byte for byte as before");
        Assert.That(await File.ReadAllTextAsync(Path.Combine(StateDirectory, "state.json")), Is.EqualTo(stateFile), "the recorded state is as before");
        Assert.That(await engine.GetStateAsync(), Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal));
    }

    [Test]
    public async Task A_failure_after_extraction_began_leaves_nothing_in_the_mount_or_the_backup()
    {
        var archives = new DriverArchives(Scratch);
        var hook = new StepHook();
        var engine = await InitializedEngineAsync(hook: hook);
        var mountBefore = DiskViews.Tree(engine.MountPoint);
        var backupBefore = DiskViews.Tree(BackupDirectory);
        var upload = Upload(archives.Zip(new Dictionary<string, byte[]> { ["d/a.inf"] = [1], ["d/b.sys"] = DriverArchives.Bytes(100_000, 3) }, "late.zip"), "late.zip");

        // Fails once the driver is in the backup and the disk's staging folder, before it is in place.
        hook.FailAt = DriverDiskStep.ImportPlace;
        Assert.That(async () => await engine.ImportAsync(upload, DriverFolder.SystemExtracted, "Late"), Throws.InstanceOf<IOException>());
        Assert.That(hook.Seen, Does.Contain(DriverDiskStep.ImportBackup), "the failure came after the backup was written");
        Assert.That(DiskViews.Tree(engine.MountPoint), Is.EqualTo(mountBefore), "the mount is as before");
        Assert.That(DiskViews.Tree(BackupDirectory), Is.EqualTo(backupBefore), "the backup is as before");

        // The same import then succeeds.
        Assert.That((await engine.ImportAsync(upload, DriverFolder.SystemExtracted, "Late")).Unwrap().Files, Is.EqualTo(2));
    }

    [Test]
    public async Task Imports_and_saves_are_refused_when_space_is_short()
    {
        var archives = new DriverArchives(Scratch);
        var engine = await InitializedEngineAsync(options => options.ReserveBytes = 1L << 62, sizeBytes: 1L << 30);
        var upload = Upload(archives.Zip(new Dictionary<string, byte[]> { ["a.inf"] = [1] }, "a.zip"), "a.zip");
        var import = ExpectError(await engine.ImportAsync(upload, DriverFolder.Printer, "A"), DriverDiskErrorKind.NoSpace, "an import without space");
        Assert.That(import.Details.Select(d => d.Field), Does.Contain("host"));
        var save = ExpectError(await engine.SaveAsync(), DriverDiskErrorKind.NoSpace, "a save without space");
        Assert.That(save.Message, Does.Contain("needs"));
        Assert.That(await engine.GetStateAsync(), Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal).And.Property(nameof(DriverDiskState.Mounted)).True);
    }
}

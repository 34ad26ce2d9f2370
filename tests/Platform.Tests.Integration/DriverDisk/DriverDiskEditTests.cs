using System.Security.Cryptography;
using Platform.Agent.DriverDisk;
using Platform.Contracts.Limits;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>Copies of drivers and files written into them: on the mount and in the backup alike, refused with every reason, undone on failure, saved into the next base.</summary>
public class DriverDiskEditTests : DriverDiskTestBase
{
    private static readonly byte[] Config = DriverArchives.Text("[printer]\nname=HP\n");

    [Test]
    public async Task A_copy_is_on_the_mount_and_in_the_backup_with_the_sources_content_and_repeating_it_writes_nothing()
    {
        var engine = await InitializedEngineAsync(sizeBytes: 1L << 30);
        var imported = await ImportPrinterAsync(engine, "HP");

        var copy = (await engine.CopyAsync(DriverFolder.Printer, "HP", "HP (copy)")).Unwrap();
        var source = DiskViews.Tree(Path.Combine(engine.MountPoint, "pri", "HP"));
        Assert.Multiple(() =>
        {
            Assert.That((copy.Files, copy.Bytes, copy.Repeated), Is.EqualTo((imported.Files, imported.Bytes, false)));
            Assert.That(DiskViews.Tree(Path.Combine(engine.MountPoint, "pri", "HP (copy)")), Is.EqualTo(source), "the copy on the mount");
            Assert.That(DiskViews.Tree(Path.Combine(BackupDirectory, "pri", "HP (copy)")), Is.EqualTo(source), "the copy in the backup");
            Assert.That(DiskViews.Tree(Path.Combine(BackupDirectory, "pri", "HP")), Is.EqualTo(source), "the source stays");
        });
        AssertNoTemporaries(engine);

        var before = DiskViews.Tree(BackupDirectory);
        var repeated = (await engine.CopyAsync(DriverFolder.Printer, "HP", "HP (copy)")).Unwrap();
        Assert.That((repeated.Repeated, repeated.Files), Is.EqualTo((true, copy.Files)), "the same copy again is done already");
        Assert.That(DiskViews.Tree(BackupDirectory), Is.EqualTo(before));

        var listed = (await engine.ListDriversAsync(DriverFolder.Printer)).Unwrap();
        var original = listed.Single(d => d.Name == "HP");
        Assert.That(listed.Select(d => d.Name), Is.EqualTo(new[] { "HP", "HP (copy)" }));
        Assert.That(listed.Single(d => d.Name == "HP (copy)"), Has.Property(nameof(DriverEntry.UploadSha256)).EqualTo(original.UploadSha256).And.Property(nameof(DriverEntry.ArchiveType)).EqualTo("zip")
            .And.Property(nameof(DriverEntry.Files)).EqualTo(original.Files), "a copy keeps what it came from");
        Assert.That(original.UploadSha256, Has.Length.EqualTo(64));
    }

    [Test]
    public async Task A_copy_onto_a_taken_name_or_from_a_missing_driver_is_refused_and_changes_nothing()
    {
        var engine = await InitializedEngineAsync(sizeBytes: 1L << 30);
        await ImportPrinterAsync(engine, "HP");
        await ImportPrinterAsync(engine, "Canon");
        var mountBefore = DiskViews.Tree(engine.MountPoint);
        var backupBefore = DiskViews.Tree(BackupDirectory);

        var taken = ExpectError(await engine.CopyAsync(DriverFolder.Printer, "HP", "Canon"), DriverDiskErrorKind.AlreadyExists, "a copy onto another driver");
        ExpectError(await engine.CopyAsync(DriverFolder.Printer, "HP", "CANON"), DriverDiskErrorKind.AlreadyExists, "a copy onto a name that differs only in case");
        var missing = ExpectError(await engine.CopyAsync(DriverFolder.Printer, "Nope", "Nope 2"), DriverDiskErrorKind.NotFound, "a copy of a missing driver");
        ExpectError(await engine.CopyAsync(DriverFolder.SystemExtracted, "HP", "HP 2"), DriverDiskErrorKind.NotFound, "a copy of a driver of another folder");
        ExpectError(await engine.CopyAsync(DriverFolder.Printer, "HP", "hp"), DriverDiskErrorKind.InvalidArgument, "a copy onto itself");
        var malformed = ExpectError(await engine.CopyAsync((DriverFolder)9, "../HP", "a/b"), DriverDiskErrorKind.InvalidArgument, "bad names");

        Assert.Multiple(() =>
        {
            Assert.That(taken.Details.Select(d => d.Field), Is.EqualTo(new[] { "target_name" }));
            Assert.That(missing.Details.Select(d => d.Field), Is.EqualTo(new[] { "source_name" }));
            Assert.That(malformed.Details.Select(d => d.Field), Is.EqualTo(new[] { "folder", "source_name", "target_name" }), "every problem at once");
            Assert.That(DiskViews.Tree(engine.MountPoint), Is.EqualTo(mountBefore));
            Assert.That(DiskViews.Tree(BackupDirectory), Is.EqualTo(backupBefore));
        });
    }

    [Test]
    public async Task Copies_and_writes_are_refused_unless_the_disk_can_be_edited()
    {
        var uninitialized = NewEngine();
        ExpectError(await uninitialized.CopyAsync(DriverFolder.Printer, "HP", "HP 2"), DriverDiskErrorKind.NotInitialized, "a copy before initialize");
        ExpectError(await uninitialized.WriteFileAsync(DriverFolder.Printer, "HP", "config.ini", Config), DriverDiskErrorKind.NotInitialized, "a write before initialize");
        await uninitialized.ShutdownAsync(CancellationToken.None);
        await uninitialized.DisposeAsync();

        var hook = new StepHook();
        var engine = await InitializedEngineAsync(hook: hook, sizeBytes: 1L << 30);
        await ImportPrinterAsync(engine, "HP");

        // Busy while a save holds the disk.
        var (reached, release) = hook.HoldAt(DriverDiskStep.SaveCheck);
        var save = engine.SaveAsync();
        await reached.WaitAsync(TimeSpan.FromMinutes(1));
        ExpectError(await engine.CopyAsync(DriverFolder.Printer, "HP", "HP 2"), DriverDiskErrorKind.Busy, "a copy during a save");
        ExpectError(await engine.WriteFileAsync(DriverFolder.Printer, "HP", "config.ini", Config), DriverDiskErrorKind.Busy, "a write during a save");
        release.SetResult();
        (await save).Unwrap();

        // In error after a failed save.
        hook.FailAt = DriverDiskStep.SaveCommit;
        ExpectError(await engine.SaveAsync(), DriverDiskErrorKind.Failed, "a save whose merge fails");
        var backupBefore = DiskViews.Tree(BackupDirectory);
        ExpectError(await engine.CopyAsync(DriverFolder.Printer, "HP", "HP 2"), DriverDiskErrorKind.WrongState, "a copy in error");
        ExpectError(await engine.WriteFileAsync(DriverFolder.Printer, "HP", "config.ini", Config), DriverDiskErrorKind.WrongState, "a write in error");
        Assert.That(DiskViews.Tree(BackupDirectory), Is.EqualTo(backupBefore));
    }

    [Test]
    public async Task A_file_is_created_then_replaced_on_the_mount_and_in_the_backup()
    {
        var engine = await InitializedEngineAsync(sizeBytes: 1L << 30);
        var imported = await ImportPrinterAsync(engine, "HP");

        var created = (await engine.WriteFileAsync(DriverFolder.Printer, "HP", "config.ini", Config)).Unwrap();
        AssertFile(engine, "HP", "config.ini", Config);
        Assert.That((created.Bytes, created.Sha256, created.FileName), Is.EqualTo((Config.Length, Sha256(Config), "config.ini")));
        Assert.That((await engine.ListDriversAsync(DriverFolder.Printer)).Unwrap().Single().Files, Is.EqualTo(imported.Files + 1), "the record counts the new file");

        var replacement = DriverArchives.Text("[printer]\nname=HP LaserJet\nduplex=1\n");
        var replaced = (await engine.WriteFileAsync(DriverFolder.Printer, "HP", "config.ini", replacement)).Unwrap();
        AssertFile(engine, "HP", "config.ini", replacement);
        Assert.That(replaced.Sha256, Is.EqualTo(Sha256(replacement)));

        // Windows finds "CONFIG.INI" as config.ini: that file is replaced, keeping its name.
        var upper = (await engine.WriteFileAsync(DriverFolder.Printer, "hp", "CONFIG.INI", Config)).Unwrap();
        Assert.That((upper.Name, upper.FileName), Is.EqualTo(("HP", "config.ini")));
        AssertFile(engine, "HP", "config.ini", Config);
        Assert.That(Directory.EnumerateFiles(Path.Combine(engine.MountPoint, "pri", "HP")).Select(Path.GetFileName), Does.Not.Contain("CONFIG.INI"));

        // The largest file allowed, replacing a file the archive brought.
        var largest = DriverArchives.Bytes(DriverDiskLimits.MaxDriverFileBytes, seed: 7);
        (await engine.WriteFileAsync(DriverFolder.Printer, "HP", "hpcu.inf", largest)).Unwrap();
        Assert.That(DiskViews.Tree(Path.Combine(engine.MountPoint, "pri", "HP")), Is.EqualTo(DiskViews.Tree(Path.Combine(BackupDirectory, "pri", "HP"))));
        Assert.That((await engine.ListDriversAsync(DriverFolder.Printer)).Unwrap().Single().Files, Is.EqualTo(imported.Files + 1));
        AssertNoTemporaries(engine);
    }

    [Test]
    public async Task Bad_writes_are_refused_with_every_reason_and_change_nothing()
    {
        var engine = await InitializedEngineAsync(sizeBytes: 1L << 30);
        await ImportPrinterAsync(engine, "HP");
        var mountBefore = DiskViews.Tree(engine.MountPoint);
        var backupBefore = DiskViews.Tree(BackupDirectory);

        var tooLarge = ExpectError(await engine.WriteFileAsync(DriverFolder.Printer, "HP", "config.ini", new byte[DriverDiskLimits.MaxDriverFileBytes + 1]), DriverDiskErrorKind.InvalidArgument, "65 537 bytes");
        foreach (var name in (string[])["../x", "a/b", "a\\b", "CON", "nul.txt", "..", ".hidden", "", "x:y", "end."])
        {
            var refused = ExpectError(await engine.WriteFileAsync(DriverFolder.Printer, "HP", name, Config), DriverDiskErrorKind.InvalidArgument, $"file name '{name}'");
            Assert.That(refused.Details.Select(d => d.Field), Is.EqualTo(new[] { "file_name" }), name);
        }
        var all = ExpectError(await engine.WriteFileAsync(DriverFolder.Printer, "../HP", "a/b", new byte[DriverDiskLimits.MaxDriverFileBytes + 1]), DriverDiskErrorKind.InvalidArgument, "everything wrong");
        var missing = ExpectError(await engine.WriteFileAsync(DriverFolder.Printer, "Nope", "config.ini", Config), DriverDiskErrorKind.NotFound, "a missing driver");
        var folder = ExpectError(await engine.WriteFileAsync(DriverFolder.Printer, "HP", "hp laserjet", Config), DriverDiskErrorKind.InvalidArgument, "a folder of the driver");

        Assert.Multiple(() =>
        {
            Assert.That(tooLarge.Details.Single().Field, Is.EqualTo("content"));
            Assert.That(tooLarge.Message, Does.Contain(DriverDiskLimits.MaxDriverFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)), "the limit is named");
            Assert.That(all.Details.Select(d => d.Field), Is.EqualTo(new[] { "target_name", "file_name", "content" }), "every problem at once");
            Assert.That(missing.Details.Single().Field, Is.EqualTo("target_name"));
            Assert.That(folder.Message, Does.Contain("is a folder"));
            Assert.That(DiskViews.Tree(engine.MountPoint), Is.EqualTo(mountBefore));
            Assert.That(DiskViews.Tree(BackupDirectory), Is.EqualTo(backupBefore));
        });
    }

    [Test]
    public async Task A_save_after_a_copy_and_a_write_carries_both_into_the_next_base()
    {
        var engine = await InitializedEngineAsync(sizeBytes: 1L << 30);
        await ImportPrinterAsync(engine, "HP");
        (await engine.CopyAsync(DriverFolder.Printer, "HP", "HP 2")).Unwrap();
        (await engine.WriteFileAsync(DriverFolder.Printer, "HP 2", "public.ini", Config)).Unwrap();

        var saved = (await engine.SaveAsync()).Unwrap();
        var manifest = (await engine.GetManifestAsync()).Unwrap();
        var inBase = await DiskViews.ReadOnlyAsync(Transfer.PathOf(manifest.Base.Name), Scratch, root => DiskViews.Tree(Path.Combine(root, "pri")));

        Assert.That(saved.Version, Is.EqualTo(2));
        Assert.That(inBase, Is.EqualTo(DiskViews.Tree(Path.Combine(BackupDirectory, "pri"))), "the base holds what the backup holds");
        Assert.That(inBase, Does.Contain("HP 2/public.ini " + Sha256(Config)).And.Contain("HP 2/HP LaserJet/hpcu.inf " + Sha256(DriverArchives.Text("[Version]\n"))));
        Assert.That(inBase.Where(l => l.StartsWith("HP/", StringComparison.Ordinal)).Select(l => l[3..]),
            Is.EqualTo(inBase.Where(l => l.StartsWith("HP 2/", StringComparison.Ordinal) && !l.StartsWith("HP 2/public.ini", StringComparison.Ordinal)).Select(l => l[5..])), "the copy is the source plus the file");
    }

    [TestCase("WriteFileDisk", false)]
    [TestCase("WriteFileRecord", false)]
    [TestCase("WriteFileDisk", true)]
    [TestCase("WriteFileRecord", true)]
    public async Task A_write_that_fails_or_crashes_before_its_record_leaves_the_file_as_it_was(string stepName, bool crash)
    {
        var step = Enum.Parse<DriverDiskStep>(stepName);
        var hook = new StepHook();
        var engine = await InitializedEngineAsync(hook: hook, sizeBytes: 1L << 30);
        await ImportPrinterAsync(engine, "HP");
        (await engine.WriteFileAsync(DriverFolder.Printer, "HP", "config.ini", Config)).Unwrap();
        var mountBefore = DiskViews.Tree(engine.MountPoint);
        var backupBefore = DiskViews.Tree(BackupDirectory);
        var changed = DriverArchives.Text("changed");

        foreach (var file in (string[])["config.ini", "new.ini"])
        {
            if (crash)
            {
                hook.AbortAt = step;
                Assert.That(async () => await engine.WriteFileAsync(DriverFolder.Printer, "HP", file, changed), Throws.InstanceOf<DriverDiskAbortedException>());
                hook = new StepHook();
                engine = NewEngine(hook: hook);
                await engine.RecoverAsync();
                Assert.That(await engine.GetStateAsync(), Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal).And.Property(nameof(DriverDiskState.Mounted)).True);
            }
            else
            {
                hook.FailAt = step;
                Assert.That(async () => await engine.WriteFileAsync(DriverFolder.Printer, "HP", file, changed), Throws.InstanceOf<IOException>());
            }
            Assert.That(DiskViews.Tree(engine.MountPoint), Is.EqualTo(mountBefore), $"the mount after {(crash ? "a crash" : "a failure")} writing {file} at {step}");
            Assert.That(DiskViews.Tree(BackupDirectory), Is.EqualTo(backupBefore), $"the backup after {(crash ? "a crash" : "a failure")} writing {file} at {step}");
        }
        AssertNoTemporaries(engine);
        (await engine.WriteFileAsync(DriverFolder.Printer, "HP", "config.ini", changed)).Unwrap();
        AssertFile(engine, "HP", "config.ini", changed);
    }

    [TestCase("CopyBackup")]
    [TestCase("CopyPlace")]
    [TestCase("CopyRecord")]
    public async Task A_copy_that_crashes_leaves_nothing_of_it(string stepName)
    {
        var hook = new StepHook();
        var engine = await InitializedEngineAsync(hook: hook, sizeBytes: 1L << 30);
        await ImportPrinterAsync(engine, "HP");
        var mountBefore = DiskViews.Tree(engine.MountPoint);
        var backupBefore = DiskViews.Tree(BackupDirectory);

        hook.AbortAt = Enum.Parse<DriverDiskStep>(stepName);
        Assert.That(async () => await engine.CopyAsync(DriverFolder.Printer, "HP", "HP 2"), Throws.InstanceOf<DriverDiskAbortedException>());
        var restarted = NewEngine();
        await restarted.RecoverAsync();

        Assert.That(DiskViews.Tree(restarted.MountPoint), Is.EqualTo(mountBefore));
        Assert.That(DiskViews.Tree(BackupDirectory), Is.EqualTo(backupBefore));
        Assert.That((await restarted.ListDriversAsync()).Unwrap().Select(d => d.Name), Is.EqualTo(new[] { "HP" }));
        AssertNoTemporaries(restarted);
        Assert.That((await restarted.CopyAsync(DriverFolder.Printer, "HP", "HP 2")).Unwrap().Repeated, Is.False, "copying again works");
    }

    private async Task<DriverImport> ImportPrinterAsync(DriverDiskEngine engine, string name)
    {
        var zip = new DriverArchives(Scratch).Zip(new Dictionary<string, byte[]>
        {
            ["HP LaserJet/hpcu.inf"] = DriverArchives.Text("[Version]\n"),
            ["HP LaserJet/hpcu.dll"] = DriverArchives.Bytes(120_000, seed: name.Length),
            ["hpcu.inf"] = DriverArchives.Text("[Version]\n; top\n"),
        }, $"{name}.zip");
        return await ImportAsync(engine, zip, $"{name}.zip", DriverFolder.Printer, name);
    }

    private void AssertFile(DriverDiskEngine engine, string driver, string file, byte[] content)
    {
        Assert.That(File.ReadAllBytes(Path.Combine(engine.MountPoint, "pri", driver, file)), Is.EqualTo(content), $"{file} on the mount");
        Assert.That(File.ReadAllBytes(Path.Combine(BackupDirectory, "pri", driver, file)), Is.EqualTo(content), $"{file} in the backup");
    }

    /// <summary>No staging folder and no temporary file of a write, on the mount or in the backup.</summary>
    private void AssertNoTemporaries(DriverDiskEngine engine)
    {
        foreach (var root in (string[])[engine.MountPoint, BackupDirectory])
        {
            var hidden = DiskViews.Tree(root).Where(l => l.Contains("/.", StringComparison.Ordinal) || l.StartsWith('.')).ToList();
            Assert.That(hidden, Is.Empty, $"no temporaries in {root}");
        }
    }

    private static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
}

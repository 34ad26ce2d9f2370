using Platform.Agent.DriverDisk;

namespace Platform.Tests.Integration.DriverDisk;

public class DriverDiskLifecycleTests : DriverDiskTestBase
{
    [Test]
    public async Task Imported_drivers_are_on_the_mount_in_the_backup_and_after_save_in_the_base()
    {
        var archives = new DriverArchives(Scratch);
        var iso = await archives.IsoAsync(new Dictionary<string, byte[]>
        {
            ["Win10_64/net/e1000.inf"] = DriverArchives.Text("[Version]\nSignature=\"$Windows NT$\"\n"),
            ["Win10_64/net/e1000.sys"] = DriverArchives.Bytes(300_000, seed: 1),
            ["readme.txt"] = DriverArchives.Text("universal drivers"),
        });
        var tq = archives.Zip(new Dictionary<string, byte[]>
        {
            ["display/igfx.inf"] = DriverArchives.Text("[Version]\n"),
            ["display/igfx.sys"] = DriverArchives.Bytes(200_000, seed: 2),
        }, "extracted.tq");
        var printer = archives.Zip(new Dictionary<string, byte[]>
        {
            ["HP LaserJet/hpcu.inf"] = DriverArchives.Text("[Version]\n"),
            ["HP LaserJet/config.ini"] = DriverArchives.Text("type=1\n"),
        }, "printer.zip");

        var engine = NewEngine();
        var initialized = await TimedAsync("initialize (build a 256 GiB base and mount it)", async () => (await engine.InitializeAsync(0)).Unwrap());
        Assert.That(initialized, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal)
            .And.Property(nameof(DriverDiskState.Version)).EqualTo(1)
            .And.Property(nameof(DriverDiskState.Mounted)).True
            .And.Property(nameof(DriverDiskState.Running)).Null, "the state a command leaves: it no longer runs");
        Assert.That(initialized.DiskFreeBytes, Is.GreaterThan(200L << 30), "a 256 GiB NTFS file system");
        Assert.That(Directory.EnumerateFileSystemEntries(engine.MountPoint).Select(Path.GetFileName), Is.SupersetOf(new[] { "DOS", "sys", "pri" }));
        Assert.That(File.Exists(Path.Combine(engine.MountPoint, "DOS", "COMMAND.COM")));
        ExpectError(await engine.InitializeAsync(0), DriverDiskErrorKind.AlreadyInitialized, "a second initialize");

        var universal = await TimedAsync("import of an ISO", () => ImportAsync(engine, iso, "u1.iso", DriverFolder.SystemUniversal, "Universal 1"));
        Assert.That(universal, Has.Property(nameof(DriverImport.Files)).EqualTo(3).And.Property(nameof(DriverImport.ArchiveType)).EqualTo("Iso"));
        var extracted = await ImportAsync(engine, tq, "e1.tq", DriverFolder.SystemExtracted, "Dell-7090");
        Assert.That(extracted.ArchiveType, Is.EqualTo("zip"), "a .tq is a zip by content");
        await ImportAsync(engine, printer, "p1.zip", DriverFolder.Printer, "HP");

        var repeated = await engine.ImportAsync("p1.zip", DriverFolder.Printer, "HP");
        Assert.That(repeated.Value, Has.Property(nameof(DriverImport.Repeated)).True, "the same upload under the same name again is the same import");
        ExpectError(await engine.ImportAsync(Upload(tq, "other.zip"), DriverFolder.Printer, "hp"), DriverDiskErrorKind.AlreadyExists, "another archive under a name that differs only in case");

        var mounted = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var folder in (string[])["sys/wang", "sys/tq", "pri"])
        {
            mounted[folder] = DiskViews.Tree(Path.Combine(engine.MountPoint, folder));
            Assert.That(DiskViews.Tree(Path.Combine(BackupDirectory, folder)), Is.EqualTo(mounted[folder]), $"the backup mirrors {folder}");
        }
        Assert.That(mounted["sys/wang"], Does.Contain("Universal 1/Win10_64/net/"));
        Assert.That(mounted["pri"], Does.Contain("HP/HP LaserJet/config.ini " + Sha256(DriverArchives.Text("type=1\n"))));

        var listed = (await engine.ListDriversAsync()).Unwrap();
        Assert.That(listed.Select(d => $"{d.Folder}/{d.Name}/{d.Files}"), Is.EquivalentTo(new[] { "SystemUniversal/Universal 1/3", "SystemExtracted/Dell-7090/2", "Printer/HP/2" }));

        var progress = new List<DriverDiskProgress>();
        var saved = await TimedAsync("save", async () => (await engine.SaveAsync(new SynchronousProgress(progress))).Unwrap());
        Assert.That(saved, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal)
            .And.Property(nameof(DriverDiskState.Version)).EqualTo(2)
            .And.Property(nameof(DriverDiskState.Mounted)).True
            .And.Property(nameof(DriverDiskState.Running)).Null);
        Assert.That(progress.Select(p => p.Percent), Is.Ordered.And.Contains(100), "progress only goes up, to 100");
        Assert.That(progress.Select(p => p.Step), Does.Contain(DriverDiskStep.SaveCommit));

        var manifest = (await engine.GetManifestAsync()).Unwrap();
        Assert.That(manifest.Version, Is.EqualTo(2));
        Assert.That(manifest.Deltas, Has.Count.EqualTo(1));
        Assert.That(manifest.Deltas[0], Has.Property(nameof(DriverDiskFile.FromVersion)).EqualTo(1).And.Property(nameof(DriverDiskFile.ToVersion)).EqualTo(2)
            .And.Property(nameof(DriverDiskFile.MergedMd5)).EqualTo(manifest.Base.Md5));
        var basePath = Transfer.PathOf(manifest.Base.Name);
        Assert.That(File.Exists(basePath) && File.Exists(Transfer.PathOf(manifest.Deltas[0].Name)), "the manifest's files are in the transfer area");

        // The saved base, mounted read-only on its own, holds every driver as imported.
        var inBase = await DiskViews.ReadOnlyAsync(basePath, Scratch, root => ((string[])["sys/wang", "sys/tq", "pri"]).ToDictionary(f => f, f => DiskViews.Tree(Path.Combine(root, f))));
        foreach (var (folder, tree) in mounted)
        {
            Assert.That(inBase[folder], Is.EqualTo(tree), $"{folder} in the saved base");
        }
        // And the new overlay shows the same.
        Assert.That(DiskViews.Tree(Path.Combine(engine.MountPoint, "pri")), Is.EqualTo(mounted["pri"]));

        var removed = (await engine.RemoveAsync(DriverFolder.Printer, ["HP", "Nope"])).Unwrap();
        Assert.That(removed, Has.Property(nameof(DriverRemoval.Removed)).EqualTo(1).And.Property(nameof(DriverRemoval.Missing)).EqualTo(new[] { "Nope" }));
        Assert.That(Directory.Exists(Path.Combine(engine.MountPoint, "pri", "HP")) || Directory.Exists(Path.Combine(BackupDirectory, "pri", "HP")), Is.False, "removed from the disk and the backup");
        Assert.That((await engine.ListDriversAsync(DriverFolder.Printer)).Unwrap(), Is.Empty);
    }

    [Test]
    public async Task A_restart_finds_the_disk_as_it_was_and_mounts_it_again()
    {
        var archives = new DriverArchives(Scratch);
        var engine = await InitializedEngineAsync(sizeBytes: 1L << 30);
        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["a.inf"] = DriverArchives.Text("a") }, "a.zip"), "a.zip", DriverFolder.Printer, "A");
        var before = DiskViews.Tree(Path.Combine(engine.MountPoint, "pri"));
        await engine.ShutdownAsync(CancellationToken.None);
        await engine.DisposeAsync();
        Assert.That(ProcFs.ReadMounts().Any(m => m.MountPoint.StartsWith(StateDirectory, StringComparison.Ordinal)), Is.False, "a clean stop unmounts");

        var restarted = NewEngine();
        await restarted.RecoverAsync();
        var state = await restarted.GetStateAsync();
        Assert.That(state, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal).And.Property(nameof(DriverDiskState.Mounted)).True.And.Property(nameof(DriverDiskState.Version)).EqualTo(1));
        Assert.That(DiskViews.Tree(Path.Combine(restarted.MountPoint, "pri")), Is.EqualTo(before), "the unsaved import is still in the overlay");
    }

    private static string Sha256(byte[] content) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));

    /// <summary>IProgress that records on the reporting thread (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress(List<DriverDiskProgress> seen) : IProgress<DriverDiskProgress>
    {
        public void Report(DriverDiskProgress value)
        {
            lock (seen)
            {
                seen.Add(value);
            }
        }
    }
}

using Platform.Agent.DriverDisk;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>One command holds the disk at a time; the others are told Busy at once (or the disk's state), never queued behind it.</summary>
public class DriverDiskConcurrencyTests : DriverDiskTestBase
{
    [Test]
    public async Task A_save_is_refused_while_an_import_is_writing()
    {
        var archives = new DriverArchives(Scratch);
        var hook = new StepHook();
        var engine = await InitializedEngineAsync(hook: hook, sizeBytes: 1L << 30);
        var upload = Upload(archives.Zip(new Dictionary<string, byte[]> { ["a.sys"] = DriverArchives.Bytes(100_000, 1) }, "a.zip"), "a.zip");
        var (reached, release) = hook.HoldAt(DriverDiskStep.ImportBackup);

        var import = engine.ImportAsync(upload, DriverFolder.Printer, "A");
        await reached.WaitAsync(TimeSpan.FromMinutes(1));
        var save = ExpectError(await engine.SaveAsync(), DriverDiskErrorKind.Busy, "a save during an import");
        Assert.That(save.Message, Does.Contain("import of pri/A"));
        ExpectError(await engine.ImportAsync(upload, DriverFolder.Printer, "B"), DriverDiskErrorKind.Busy, "a second import during an import");
        Assert.That((await engine.GetStateAsync()).Running, Does.StartWith("import of pri/A: "), "the command and its step");

        release.SetResult();
        Assert.That((await import).Unwrap().Files, Is.EqualTo(1));
        Assert.That((await engine.SaveAsync()).Unwrap().Version, Is.EqualTo(2), "the save goes through once the import is done");
    }

    [Test]
    public async Task A_second_save_is_busy_while_the_first_merges()
    {
        var archives = new DriverArchives(Scratch);
        var hook = new StepHook();
        var engine = await InitializedEngineAsync(hook: hook, sizeBytes: 1L << 30);
        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["a.inf"] = [1] }, "a.zip"), "a.zip", DriverFolder.Printer, "A");
        var (reached, release) = hook.HoldAt(DriverDiskStep.SaveCommit);

        var first = engine.SaveAsync();
        await reached.WaitAsync(TimeSpan.FromMinutes(1));
        var state = await engine.GetStateAsync();
        Assert.That(state, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Merging).And.Property(nameof(DriverDiskState.Mounted)).False);
        ExpectError(await engine.SaveAsync(), DriverDiskErrorKind.Busy, "a second save");
        ExpectError(await engine.RestoreAsync(), DriverDiskErrorKind.Busy, "a restore during a save");
        ExpectError(await engine.ImportAsync("a.zip", DriverFolder.Printer, "B"), DriverDiskErrorKind.Busy, "an import during a save");
        Assert.That((await engine.GetManifestAsync()).Unwrap().Version, Is.EqualTo(1), "terminals see version 1 until the save switches");

        release.SetResult();
        var saved = (await first).Unwrap();
        Assert.That(saved, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal).And.Property(nameof(DriverDiskState.Version)).EqualTo(2));
    }

    [Test]
    public async Task A_save_is_busy_while_a_file_on_the_disk_is_open_and_the_disk_stays_mounted()
    {
        var archives = new DriverArchives(Scratch);
        var engine = await InitializedEngineAsync(sizeBytes: 1L << 30);
        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["a.inf"] = [1] }, "a.zip"), "a.zip", DriverFolder.Printer, "A");

        await using (File.OpenRead(Path.Combine(engine.MountPoint, "pri", "A", "a.inf")))
        {
            var busy = ExpectError(await engine.SaveAsync(), DriverDiskErrorKind.Busy, "a save while a file is open");
            Assert.That(busy.Message, Does.Contain("in use"));
            Assert.That(await engine.GetStateAsync(), Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal)
                .And.Property(nameof(DriverDiskState.Mounted)).True.And.Property(nameof(DriverDiskState.Version)).EqualTo(1));
        }
        Assert.That((await engine.SaveAsync()).Unwrap().Version, Is.EqualTo(2), "the save goes through once the file is closed");
    }
}

using Platform.Agent.Linux;
using Platform.Agent.DriverDisk;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>
/// The agent "dies" at a step (an injected abort: nothing cleaned up, the mount's daemons left
/// running as a killed agent leaves them), and a new engine over the same directories recovers:
/// the disk is at the old or the new version, honestly reported, and works again.
/// </summary>
public class DriverDiskRecoveryTests : DriverDiskTestBase
{
    private static readonly string[] Folders = ["sys/wang", "sys/tq", "pri"];

    // Before the switch the save is rolled back (version 2, the unsaved import still in the
    // overlay); from the switch on it is complete (version 3).
    [TestCase("SaveUnmount", 2)]
    [TestCase("SaveCheck", 2)]
    [TestCase("SaveDelta", 2)]
    [TestCase("SaveCopyBase", 2)]
    [TestCase("SaveCommit", 2)]
    [TestCase("SaveHash", 2)]
    [TestCase("SaveNewOverlay", 2)]
    [TestCase("SavePublish", 2)]
    [TestCase("SaveSwitch", 2)]
    [TestCase("SaveCleanup", 3)]
    [TestCase("SaveMount", 3)]
    public async Task A_crash_during_save_leaves_the_old_or_the_new_version(string stepName, long expectedVersion)
    {
        var step = Enum.Parse<DriverDiskStep>(stepName);
        var archives = new DriverArchives(Scratch);
        var hook = new StepHook();
        var engine = await InitializedEngineAsync(hook: hook, sizeBytes: 1L << 30);
        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["a/a.inf"] = DriverArchives.Bytes(50_000, 1) }, "a.zip"), "a.zip", DriverFolder.Printer, "A");
        (await engine.SaveAsync()).Unwrap();
        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["b/b.inf"] = DriverArchives.Bytes(50_000, 2) }, "b.zip"), "b.zip", DriverFolder.SystemExtracted, "B");
        var expected = Folders.ToDictionary(f => f, f => DiskViews.Tree(Path.Combine(engine.MountPoint, f)));
        var oldDaemons = new[] { engine.Mounted!.Ntfs, engine.Mounted.Daemon! };

        hook.AbortAt = step;
        Assert.That(async () => await engine.SaveAsync(), Throws.InstanceOf<DriverDiskAbortedException>());

        var restarted = NewEngine();
        await restarted.RecoverAsync();
        var state = await restarted.GetStateAsync();
        Assert.That(state, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal)
            .And.Property(nameof(DriverDiskState.Version)).EqualTo(expectedVersion)
            .And.Property(nameof(DriverDiskState.Mounted)).True, $"after a crash at {step}: {state}");
        Assert.That(oldDaemons.All(p => !ProcFs.IsAlive(p)), "the dead agent's mount processes are gone: never two writers");
        foreach (var folder in Folders)
        {
            Assert.That(DiskViews.Tree(Path.Combine(restarted.MountPoint, folder)), Is.EqualTo(expected[folder]), $"{folder} after the crash");
        }
        await AssertNoLeftoversAsync(restarted);

        // The disk works: a save makes the next version, holding both drivers.
        var saved = (await restarted.SaveAsync()).Unwrap();
        Assert.That(saved.Version, Is.EqualTo(expectedVersion + 1));
        var manifest = (await restarted.GetManifestAsync()).Unwrap();
        var inBase = await DiskViews.ReadOnlyAsync(Transfer.PathOf(manifest.Base.Name), Scratch, root => Folders.ToDictionary(f => f, f => DiskViews.Tree(Path.Combine(root, f))));
        Assert.That(inBase, Is.EqualTo(expected), "the next save's base holds everything");
        await AssertNoLeftoversAsync(restarted);
    }

    [TestCase("ImportExtract")]
    [TestCase("ImportBackup")]
    [TestCase("ImportPlace")]
    [TestCase("ImportRecord")]
    public async Task A_crash_during_an_import_leaves_nothing_of_it(string stepName)
    {
        var step = Enum.Parse<DriverDiskStep>(stepName);
        var archives = new DriverArchives(Scratch);
        var hook = new StepHook();
        var engine = await InitializedEngineAsync(hook: hook, sizeBytes: 1L << 30);
        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["a.inf"] = [1] }, "a.zip"), "a.zip", DriverFolder.Printer, "A");
        var mountBefore = DiskViews.Tree(engine.MountPoint);
        var backupBefore = DiskViews.Tree(BackupDirectory);
        var upload = Upload(archives.Zip(new Dictionary<string, byte[]> { ["d/x.sys"] = DriverArchives.Bytes(80_000, 4) }, "x.zip"), "x.zip");

        // Let the extraction happen before dying, so that the staging folder exists.
        hook.AbortAt = step == DriverDiskStep.ImportExtract ? DriverDiskStep.ImportVerify : step;
        Assert.That(async () => await engine.ImportAsync(upload, DriverFolder.Printer, "X"), Throws.InstanceOf<DriverDiskAbortedException>());

        var restarted = NewEngine();
        await restarted.RecoverAsync();
        Assert.That(await restarted.GetStateAsync(), Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal).And.Property(nameof(DriverDiskState.Mounted)).True);
        Assert.That(DiskViews.Tree(restarted.MountPoint), Is.EqualTo(mountBefore), "the mount is as before the import");
        Assert.That(DiskViews.Tree(BackupDirectory), Is.EqualTo(backupBefore), "the backup is as before the import");
        Assert.That((await restarted.ImportAsync(upload, DriverFolder.Printer, "X")).Unwrap().Repeated, Is.False, "the import can be made again");
    }

    [Test]
    public async Task A_crash_during_a_removal_is_finished_at_start()
    {
        var archives = new DriverArchives(Scratch);
        var hook = new StepHook();
        var engine = await InitializedEngineAsync(hook: hook, sizeBytes: 1L << 30);
        foreach (var name in (string[])["A", "B", "C"])
        {
            await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { [$"{name}.inf"] = [1] }, $"{name}.zip"), $"{name}.zip", DriverFolder.Printer, name);
        }
        hook.AbortAt = DriverDiskStep.RemoveDelete;
        Assert.That(async () => await engine.RemoveAsync(DriverFolder.Printer, ["A", "B"]), Throws.InstanceOf<DriverDiskAbortedException>());

        var restarted = NewEngine();
        await restarted.RecoverAsync();
        Assert.That(Directory.EnumerateDirectories(Path.Combine(restarted.MountPoint, "pri")).Select(Path.GetFileName), Is.EqualTo(new[] { "C" }));
        Assert.That(Directory.EnumerateDirectories(Path.Combine(BackupDirectory, "pri")).Select(Path.GetFileName), Is.EqualTo(new[] { "C" }));
        Assert.That((await restarted.ListDriversAsync(DriverFolder.Printer)).Unwrap().Select(d => d.Name), Is.EqualTo(new[] { "C" }));
    }

    [Test]
    public async Task A_crash_during_restore_is_finished_at_start()
    {
        var archives = new DriverArchives(Scratch);
        var hook = new StepHook();
        var engine = await InitializedEngineAsync(hook: hook, sizeBytes: 1L << 30);
        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["a.inf"] = [1] }, "a.zip"), "a.zip", DriverFolder.Printer, "A");
        var backup = DiskViews.Tree(Path.Combine(BackupDirectory, "pri"));
        hook.AbortAt = DriverDiskStep.RestoreSwitch;
        Assert.That(async () => await engine.RestoreAsync(), Throws.InstanceOf<DriverDiskAbortedException>());
        Assert.That(JsonStatus(), Does.Contain("\"kind\": \"Restore\""), "the restore was recorded as under way");

        var restarted = NewEngine();
        await restarted.RecoverAsync();
        var state = await restarted.GetStateAsync();
        Assert.That(state, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal).And.Property(nameof(DriverDiskState.Version)).EqualTo(2).And.Property(nameof(DriverDiskState.Mounted)).True);
        Assert.That(DiskViews.Tree(Path.Combine(restarted.MountPoint, "pri")), Is.EqualTo(backup));
        await AssertNoLeftoversAsync(restarted);
    }

    [Test]
    public async Task A_failed_merge_is_an_error_until_restore_brings_back_every_driver()
    {
        var archives = new DriverArchives(Scratch);
        var hook = new StepHook();
        var engine = await InitializedEngineAsync(hook: hook, sizeBytes: 1L << 30);
        await ImportAsync(engine, await archives.IsoAsync(new Dictionary<string, byte[]> { ["w/u.inf"] = DriverArchives.Bytes(30_000, 5) }), "u.iso", DriverFolder.SystemUniversal, "U");
        (await engine.SaveAsync()).Unwrap();
        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["t.inf"] = [2] }, "t.tq"), "t.tq", DriverFolder.SystemExtracted, "T");
        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["p.inf"] = [3] }, "p.zip"), "p.zip", DriverFolder.Printer, "P");
        var backup = DiskViews.Tree(BackupDirectory);

        hook.FailAt = DriverDiskStep.SaveCommit;
        var failed = ExpectError(await engine.SaveAsync(), DriverDiskErrorKind.Failed, "a save whose merge fails");
        Assert.That(failed.Message, Does.Contain("SaveCommit").And.Contain("injected failure"));
        var state = await engine.GetStateAsync();
        Assert.That(state, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Error).And.Property(nameof(DriverDiskState.Version)).EqualTo(2));
        Assert.That(state.Error, Does.Contain("injected failure"));
        ExpectError(await engine.ImportAsync("p.zip", DriverFolder.Printer, "P2"), DriverDiskErrorKind.WrongState, "an import in error");
        ExpectError(await engine.SaveAsync(), DriverDiskErrorKind.WrongState, "a save in error");

        // The error survives a restart: it is the state, not a memory of the agent.
        await engine.DisposeAsync();
        var restarted = NewEngine();
        await restarted.RecoverAsync();
        Assert.That(await restarted.GetStateAsync(), Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Error).And.Property(nameof(DriverDiskState.Mounted)).False);

        var restored = (await restarted.RestoreAsync()).Unwrap();
        Assert.That(restored, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal).And.Property(nameof(DriverDiskState.Version)).EqualTo(3).And.Property(nameof(DriverDiskState.Mounted)).True);
        foreach (var folder in Folders)
        {
            Assert.That(DiskViews.Tree(Path.Combine(restarted.MountPoint, folder)), Is.EqualTo(DiskViews.Tree(Path.Combine(BackupDirectory, folder))), $"{folder} rebuilt from the backup");
        }
        Assert.That(DiskViews.Tree(BackupDirectory), Is.EqualTo(backup), "restore does not change the backup");
        Assert.That((await restarted.ListDriversAsync()).Unwrap().Select(d => d.Name), Is.EquivalentTo(new[] { "U", "T", "P" }), "every driver is there, the unsaved ones too");
        var manifest = (await restarted.GetManifestAsync()).Unwrap();
        Assert.That(manifest.Deltas, Is.Empty, "no delta leads to a rebuilt base");
        Assert.That((await restarted.SaveAsync()).Unwrap().Version, Is.EqualTo(4));
    }

    [Test]
    public async Task A_killed_mount_process_is_reported_as_error_and_restore_recovers()
    {
        var archives = new DriverArchives(Scratch);
        var engine = await InitializedEngineAsync(sizeBytes: 1L << 30);
        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["a.inf"] = [1] }, "a.zip"), "a.zip", DriverFolder.Printer, "A");
        var ntfs = engine.Mounted!.Ntfs;

        Assert.That(LinuxNative.Signal(ntfs.Pid, LinuxNative.SigKill), Is.Zero);
        await Eventually.HoldsAsync(async () => (await engine.GetStateAsync()).Status == DriverDiskStatus.Error, TimeSpan.FromSeconds(30), "the dead ntfs-3g is noticed");
        var state = await engine.GetStateAsync();
        Assert.That(state.Error, Does.Contain("ntfs-3g").And.Contain(ntfs.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(state.Mounted, Is.False);
        // The mount's remains (the storage daemon, the dead FUSE mount) are torn down, and then the engine is free again.
        await Eventually.HoldsAsync(
            async () => !ProcFs.ReadMounts().Any(m => m.MountPoint.StartsWith(StateDirectory + "/", StringComparison.Ordinal)) && (await engine.GetStateAsync()).Running is null,
            TimeSpan.FromSeconds(30),
            "what was left of the mount is torn down");
        ExpectError(await engine.ImportAsync("a.zip", DriverFolder.Printer, "B"), DriverDiskErrorKind.WrongState, "an import after the mount died");

        var restored = (await engine.RestoreAsync()).Unwrap();
        Assert.That(restored, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal).And.Property(nameof(DriverDiskState.Mounted)).True);
        Assert.That(Directory.EnumerateDirectories(Path.Combine(engine.MountPoint, "pri")).Select(Path.GetFileName), Is.EqualTo(new[] { "A" }));
    }

    [Test]
    public async Task Tools_a_dead_agent_left_running_are_stopped_before_the_disk_is_mounted_again()
    {
        var hook = new StepHook();
        var engine = await InitializedEngineAsync(hook: hook, sizeBytes: 1L << 30);
        hook.AbortAt = DriverDiskStep.SaveCheck;
        Assert.That(async () => await engine.SaveAsync(), Throws.InstanceOf<DriverDiskAbortedException>());
        // Stands in for a qemu-img the dead agent started: it keeps the overlay open and never ends.
        var fakeTool = Path.Combine(Scratch, "qemu-img");
        File.Copy("/usr/bin/tail", fakeTool);
        var startInfo = new System.Diagnostics.ProcessStartInfo(fakeTool) { RedirectStandardOutput = true };
        foreach (var argument in (string[])["-f", Path.Combine(StateDirectory, "disk", "active-2.qcow2")])
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var orphan = System.Diagnostics.Process.Start(startInfo)!;

        var restarted = NewEngine();
        await restarted.RecoverAsync();
        Assert.That(orphan.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, "the tool was stopped");
        Assert.That(await restarted.GetStateAsync(), Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal).And.Property(nameof(DriverDiskState.Mounted)).True);
    }

    [Test]
    public async Task An_unreadable_state_is_an_error_and_restore_rebuilds_from_the_backup()
    {
        var archives = new DriverArchives(Scratch);
        var engine = await InitializedEngineAsync(sizeBytes: 1L << 30);
        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["a.inf"] = [1] }, "a.zip"), "a.zip", DriverFolder.Printer, "A");
        (await engine.SaveAsync()).Unwrap();
        await engine.ShutdownAsync(CancellationToken.None);
        await engine.DisposeAsync();
        await File.WriteAllTextAsync(Path.Combine(StateDirectory, "state.json"), "{ torn");

        var restarted = NewEngine();
        await restarted.RecoverAsync();
        var state = await restarted.GetStateAsync();
        Assert.That(state, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Error).And.Property(nameof(DriverDiskState.Mounted)).False);
        Assert.That(state.Error, Does.Contain("cannot be read"));
        ExpectError(await restarted.ImportAsync("a.zip", DriverFolder.Printer, "B"), DriverDiskErrorKind.WrongState, "an import without a readable state");
        ExpectError(await restarted.InitializeAsync(0), DriverDiskErrorKind.AlreadyInitialized, "initialize over an existing disk");

        var restored = (await restarted.RestoreAsync()).Unwrap();
        Assert.That(restored, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal).And.Property(nameof(DriverDiskState.Mounted)).True);
        Assert.That(restored.Version, Is.GreaterThan(2), "a version no terminal has seen");
        Assert.That(DiskViews.Tree(Path.Combine(restarted.MountPoint, "pri")), Is.EqualTo(DiskViews.Tree(Path.Combine(BackupDirectory, "pri"))));
        await AssertNoLeftoversAsync(restarted);
    }

    private string JsonStatus() => File.ReadAllText(Path.Combine(StateDirectory, "state.json"));

    /// <summary>The disk directory and the transfer area hold exactly what the state names.</summary>
    private async Task AssertNoLeftoversAsync(DriverDiskEngine engine)
    {
        var manifest = (await engine.GetManifestAsync()).Unwrap();
        var disk = Directory.EnumerateFileSystemEntries(Path.Combine(StateDirectory, "disk")).Select(Path.GetFileName).ToList();
        var expected = manifest.Deltas.Select(d => $"delta-{d.FromVersion}-{d.ToVersion}.qcow2")
            .Append($"base-{manifest.Version}.qcow2")
            .Append($"active-{manifest.Version + 1}.qcow2");
        Assert.That(disk, Is.EquivalentTo(expected), "the disk directory holds the state's files only");
        Assert.That(Directory.EnumerateFileSystemEntries(TransferDirectory).Select(Path.GetFileName).Where(n => n!.Contains(DriverDiskEngine.PublishPrefix, StringComparison.Ordinal)),
            Is.EquivalentTo(manifest.Deltas.Select(d => d.Name).Append(manifest.Base.Name)), "the transfer area serves the manifest's files only");
        Assert.That(Directory.EnumerateFileSystemEntries(Path.Combine(StateDirectory, "build")), Is.Empty, "no base build is left");
        Assert.That(Directory.EnumerateDirectories(engine.MountPoint, ".staging-*"), Is.Empty, "no import staging on the disk");
        Assert.That(Directory.EnumerateDirectories(BackupDirectory, ".staging-*"), Is.Empty, "no import staging in the backup");
    }
}

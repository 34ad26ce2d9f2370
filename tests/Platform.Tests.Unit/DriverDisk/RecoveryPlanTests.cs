using Platform.Agent.DriverDisk;

namespace Platform.Tests.Unit.DriverDisk;

public class RecoveryPlanTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static DiskState State(PendingOperation? pending = null, string? error = null) => new(
        DiskState.CurrentFormat,
        Version: 4,
        SizeBytes: 1L << 30,
        Base: new ImageRecord("base-4.qcow2", "driverdisk-base-v4.qcow2", 1, "m", "s", 0, 4, "", "m", At),
        Active: "active-5.qcow2",
        Deltas: [],
        Drivers: new Dictionary<string, DriverRecord>(),
        Error: error,
        Pending: pending);

    private static PendingOperation Pending(PendingKind kind, DriverDiskStep step) => new(kind, step, At, DriverFolder.Printer, "X", ["X"]);

    [Test]
    public void No_state_is_no_disk() => Assert.That(RecoveryPlan.Decide(null), Is.EqualTo(RecoveryAction.StayUninitialized));

    [Test]
    public void A_quiet_state_is_mounted() => Assert.That(RecoveryPlan.Decide(State()), Is.EqualTo(RecoveryAction.Mount));

    [Test]
    public void An_error_stays_whatever_was_pending()
    {
        Assert.That(RecoveryPlan.Decide(State(error: "merge failed")), Is.EqualTo(RecoveryAction.StayInError));
        Assert.That(RecoveryPlan.Decide(State(Pending(PendingKind.Import, DriverDiskStep.ImportPlace), "mount lost")), Is.EqualTo(RecoveryAction.StayInError));
    }

    [TestCase("SaveUnmount")]
    [TestCase("SaveCheck")]
    [TestCase("SaveDelta")]
    [TestCase("SaveCopyBase")]
    [TestCase("SaveCommit")]
    [TestCase("SaveHash")]
    [TestCase("SaveNewOverlay")]
    [TestCase("SavePublish")]
    [TestCase("SaveSwitch")]
    public void A_save_that_did_not_switch_is_rolled_back_at_any_step(string step) =>
        Assert.That(RecoveryPlan.Decide(State(Pending(PendingKind.Save, Enum.Parse<DriverDiskStep>(step)))), Is.EqualTo(RecoveryAction.RollBackSave));

    [TestCase("ImportExtract")]
    [TestCase("ImportRecord")]
    public void An_unfinished_import_is_undone(string step) =>
        Assert.That(RecoveryPlan.Decide(State(Pending(PendingKind.Import, Enum.Parse<DriverDiskStep>(step)))), Is.EqualTo(RecoveryAction.RollBackImport));

    [TestCase("CopyStage")]
    [TestCase("CopyBackup")]
    [TestCase("CopyPlace")]
    [TestCase("CopyRecord")]
    public void An_unfinished_copy_is_undone_as_an_import(string step) =>
        Assert.That(RecoveryPlan.Decide(State(Pending(PendingKind.Copy, Enum.Parse<DriverDiskStep>(step)))), Is.EqualTo(RecoveryAction.RollBackImport));

    [TestCase("WriteFileBackup")]
    [TestCase("WriteFileDisk")]
    [TestCase("WriteFileRecord")]
    public void An_unrecorded_file_write_is_rolled_back_at_any_step(string step) =>
        Assert.That(RecoveryPlan.Decide(State(Pending(PendingKind.WriteFile, Enum.Parse<DriverDiskStep>(step)))), Is.EqualTo(RecoveryAction.RollBackFileWrite));

    [Test]
    public void An_edit_pending_in_error_stays_in_error()
    {
        Assert.That(RecoveryPlan.Decide(State(Pending(PendingKind.Copy, DriverDiskStep.CopyPlace), "mount lost")), Is.EqualTo(RecoveryAction.StayInError));
        Assert.That(RecoveryPlan.Decide(State(Pending(PendingKind.WriteFile, DriverDiskStep.WriteFileDisk), "mount lost")), Is.EqualTo(RecoveryAction.StayInError));
    }

    [Test]
    public void An_unfinished_removal_is_finished() =>
        Assert.That(RecoveryPlan.Decide(State(Pending(PendingKind.Remove, DriverDiskStep.RemoveDelete))), Is.EqualTo(RecoveryAction.FinishRemove));

    [TestCase("RestoreUnmount")]
    [TestCase("RestoreSwitch")]
    public void An_unfinished_restore_is_done_again(string step) =>
        Assert.That(RecoveryPlan.Decide(State(Pending(PendingKind.Restore, Enum.Parse<DriverDiskStep>(step)))), Is.EqualTo(RecoveryAction.RedoRestore));

    [Test]
    public void The_status_follows_the_pending_command_then_the_error()
    {
        Assert.That(State().Status, Is.EqualTo(DriverDiskStatus.Normal));
        Assert.That(State(Pending(PendingKind.Import, DriverDiskStep.ImportExtract)).Status, Is.EqualTo(DriverDiskStatus.Normal));
        Assert.That(State(Pending(PendingKind.Save, DriverDiskStep.SaveCommit)).Status, Is.EqualTo(DriverDiskStatus.Merging));
        Assert.That(State(Pending(PendingKind.Restore, DriverDiskStep.RestoreBuild)).Status, Is.EqualTo(DriverDiskStatus.Restoring));
        Assert.That(State(error: "x").Status, Is.EqualTo(DriverDiskStatus.Error));
    }

    [Test]
    public void The_state_file_round_trips_and_is_replaced_atomically()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"dd-state-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var path = Path.Combine(directory, "state.json");
            Assert.That(DiskStateFile.Load(path), Is.Null, "no file: no disk");
            var state = State(Pending(PendingKind.Save, DriverDiskStep.SaveCommit)) with
            {
                Drivers = new Dictionary<string, DriverRecord> { ["pri/X"] = new("sha", 2, 30, "zip", At) },
            };
            DiskStateFile.Save(path, state);
            var loaded = DiskStateFile.Load(path)!;
            Assert.That(loaded with { Drivers = state.Drivers, Deltas = state.Deltas, Pending = state.Pending }, Is.EqualTo(state));
            Assert.That(loaded.Pending! with { Names = null }, Is.EqualTo(state.Pending! with { Names = null }));
            Assert.That(loaded.Pending!.Names, Is.EqualTo(state.Pending!.Names));
            Assert.That(loaded.Drivers["pri/X"], Is.EqualTo(state.Drivers["pri/X"]));
            Assert.That(File.ReadAllText(path), Does.Contain("\"step\": \"SaveCommit\""), "steps are written by name");
            Assert.That(Directory.GetFiles(directory), Is.EqualTo(new[] { path }), "no temporary file is left");

            // A state written before copies and file writes existed (no copiedFrom, no replaces) still loads.
            var edited = state with
            {
                Drivers = new Dictionary<string, DriverRecord> { ["pri/Y"] = new("sha", 2, 30, "zip", At, CopiedFrom: "pri/X") },
                Pending = new PendingOperation(PendingKind.WriteFile, DriverDiskStep.WriteFileDisk, At, DriverFolder.Printer, "Y", ["config.ini"], "id", Replaces: true),
            };
            DiskStateFile.Save(path, edited);
            var reloaded = DiskStateFile.Load(path)!;
            Assert.That((reloaded.Drivers["pri/Y"].CopiedFrom, reloaded.Pending!.Replaces, reloaded.Pending.Kind), Is.EqualTo(("pri/X", true, PendingKind.WriteFile)));
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
            json["drivers"]!["pri/Y"]!.AsObject().Remove("copiedFrom");
            json["pending"]!.AsObject().Remove("replaces");
            File.WriteAllText(path, json.ToJsonString());
            var older = DiskStateFile.Load(path)!;
            Assert.That((older.Drivers["pri/Y"].CopiedFrom, older.Pending!.Replaces), Is.EqualTo(((string?)null, false)));

            File.WriteAllText(path, "{ torn");
            Assert.That(() => DiskStateFile.Load(path), Throws.InstanceOf<InvalidDataException>());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

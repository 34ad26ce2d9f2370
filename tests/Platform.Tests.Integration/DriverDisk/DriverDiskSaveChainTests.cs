using Platform.Agent.DriverDisk;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>Saves make deltas terminals apply; the last three are kept, none older than 30 days.</summary>
public class DriverDiskSaveChainTests : DriverDiskTestBase
{
    [Test]
    public async Task Four_saves_keep_deltas_two_to_four_and_terminals_reach_the_servers_content()
    {
        var archives = new DriverArchives(Scratch);
        var engine = await InitializedEngineAsync();

        // Terminal A has the base of version 1 and follows every save; terminal B stays at 1.
        var a = new TerminalDisk(Path.Combine(Scratch, "terminal-a"), TransferDirectory);
        var b = new TerminalDisk(Path.Combine(Scratch, "terminal-b"), TransferDirectory);
        var first = (await engine.GetManifestAsync()).Unwrap();
        await a.DownloadBaseAsync(first);
        await b.DownloadBaseAsync(first);
        TerminalDisk? atVersion2 = null;

        var deltaNames = new List<string>();
        for (var save = 1; save <= 4; save++)
        {
            var zip = archives.Zip(new Dictionary<string, byte[]>
            {
                [$"drv{save}/printer.inf"] = DriverArchives.Text($"[Version]\n; save {save}\n"),
                [$"drv{save}/printer.dll"] = DriverArchives.Bytes(150_000, seed: 100 + save),
            }, $"p{save}.zip");
            await ImportAsync(engine, zip, $"p{save}.zip", DriverFolder.Printer, $"Printer {save}");
            var state = (await engine.SaveAsync()).Unwrap();
            Assert.That(state.Version, Is.EqualTo(save + 1));
            var manifest = (await engine.GetManifestAsync()).Unwrap();
            deltaNames.Add(manifest.Deltas[^1].Name);
            await a.CatchUpAsync(manifest);
            if (save == 1)
            {
                atVersion2 = new TerminalDisk(Path.Combine(Scratch, "terminal-v2"), TransferDirectory);
                await atVersion2.DownloadBaseAsync(manifest);
            }
        }

        var final = (await engine.GetManifestAsync()).Unwrap();
        Assert.That(final.Version, Is.EqualTo(5));
        Assert.That(final.Deltas.Select(d => (d.FromVersion, d.ToVersion)), Is.EqualTo(new[] { (2L, 3L), (3L, 4L), (4L, 5L) }), "the fourth save dropped the first delta");
        Assert.That(File.Exists(Transfer.PathOf(deltaNames[0])), Is.False, "the dropped delta is no longer served");
        Assert.That(Directory.EnumerateFiles(TransferDirectory, DriverDiskEngine.PublishPrefix + "*").Select(Path.GetFileName),
            Is.EquivalentTo(final.Deltas.Select(d => d.Name).Append(final.Base.Name)), "the transfer area serves exactly the manifest's files");
        Assert.That(Directory.EnumerateFiles(Path.Combine(StateDirectory, "disk")).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "base-5.qcow2", "active-6.qcow2", "delta-2-3.qcow2", "delta-3-4.qcow2", "delta-4-5.qcow2" }), "no leftovers in the disk directory");
        for (var i = 1; i < final.Deltas.Count; i++)
        {
            Assert.That(final.Deltas[i].ParentMd5, Is.EqualTo(final.Deltas[i - 1].MergedMd5), "each delta applies to the base the previous one made");
        }
        Assert.That(final.Deltas[^1].MergedMd5, Is.EqualTo(final.Base.Md5));

        var serverBase = Transfer.PathOf(final.Base.Name);
        Assert.That((await DiskViews.CompareAsync(a.BasePath, serverBase)).Identical, Is.True, "terminal A (base 1 + four deltas) has the server's content");

        // Terminal B missed the first delta: the next one is refused by its parent check.
        var refused = await b.ApplyAsync(final.Deltas[0]);
        Assert.That(refused, Does.Contain("applies to the base with md5"), "a delta for another base is refused");
        var v2 = atVersion2!;
        Assert.That(await v2.ApplyAsync(final.Deltas[1]), Does.Contain("applies to the base with md5"), "delta 3→4 on a base of version 2 is refused");
        await v2.CatchUpAsync(final);
        Assert.That((await DiskViews.CompareAsync(v2.BasePath, serverBase)).Identical, Is.True, "a terminal at version 2 catches up with deltas 2–4");

        // A terminal that downloads the current base gets the same content too.
        var fresh = new TerminalDisk(Path.Combine(Scratch, "terminal-new"), TransferDirectory);
        await fresh.DownloadBaseAsync(final);
        var files = await DiskViews.ReadOnlyAsync(fresh.BasePath, Scratch, root => DiskViews.Tree(Path.Combine(root, "pri")));
        Assert.That(files, Is.EqualTo(DiskViews.Tree(Path.Combine(BackupDirectory, "pri"))), "the base holds every saved driver, as the backup does");
    }

    [Test]
    public async Task Deltas_older_than_the_maximum_age_are_dropped()
    {
        var archives = new DriverArchives(Scratch);
        var time = new ShiftedTime();
        var engine = await InitializedEngineAsync(time: time, sizeBytes: 1L << 30);
        for (var save = 1; save <= 2; save++)
        {
            await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { [$"{save}.inf"] = [(byte)save] }, $"{save}.zip"), $"{save}.zip", DriverFolder.Printer, $"P{save}");
            (await engine.SaveAsync()).Unwrap();
        }
        Assert.That((await engine.GetManifestAsync()).Unwrap().Deltas, Has.Count.EqualTo(2));

        time.Offset = TimeSpan.FromDays(29);
        Assert.That((await engine.GetManifestAsync()).Unwrap().Deltas, Has.Count.EqualTo(2), "29 days old: still served");
        time.Offset = TimeSpan.FromDays(31);
        Assert.That((await engine.GetManifestAsync()).Unwrap().Deltas, Is.Empty, "31 days old: no longer offered");

        await ImportAsync(engine, archives.Zip(new Dictionary<string, byte[]> { ["3.inf"] = [3] }, "3.zip"), "3.zip", DriverFolder.Printer, "P3");
        (await engine.SaveAsync()).Unwrap();
        var manifest = (await engine.GetManifestAsync()).Unwrap();
        Assert.That(manifest.Deltas.Select(d => (d.FromVersion, d.ToVersion)), Is.EqualTo(new[] { (3L, 4L) }), "the save kept only its own delta");
        Assert.That(Directory.EnumerateFiles(Path.Combine(StateDirectory, "disk"), "delta-*").Select(Path.GetFileName), Is.EqualTo(new[] { "delta-3-4.qcow2" }), "expired deltas are deleted");
    }
}

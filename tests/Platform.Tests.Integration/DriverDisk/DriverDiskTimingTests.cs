using Platform.Agent.DriverDisk;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>Timings with a driver of realistic size (run on demand: --filter Category=Timing); it checks the result too.</summary>
[Explicit("measures; run on demand")]
[Category("Timing")]
public class DriverDiskTimingTests : DriverDiskTestBase
{
    [Test]
    public async Task A_200_MiB_universal_driver_is_imported_and_saved()
    {
        var archives = new DriverArchives(Scratch);
        var files = Enumerable.Range(0, 20).ToDictionary(i => $"drivers/part{i:00}.sys", i => DriverArchives.Bytes(10 << 20, seed: i));
        var iso = await TimedAsync("genisoimage of 200 MiB", () => archives.IsoAsync(files, "big.iso"));
        var engine = NewEngine();
        await TimedAsync("initialize (256 GiB base, mount)", async () => (await engine.InitializeAsync(0)).Unwrap());
        var imported = await TimedAsync("import of a 200 MiB ISO", () => ImportAsync(engine, iso, "big.iso", DriverFolder.SystemUniversal, "Big"));
        Assert.That(imported.Bytes, Is.EqualTo(200L << 20));
        await TimedAsync("save (compressed delta)", async () => (await engine.SaveAsync()).Unwrap());
        var manifest = (await engine.GetManifestAsync()).Unwrap();
        await TestContext.Progress.WriteLineAsync($"    delta {manifest.Deltas[0].SizeBytes >> 20} MiB, base {manifest.Base.SizeBytes >> 20} MiB");
        var inBase = await TimedAsync("read-only view of the base", () => DiskViews.ReadOnlyAsync(Transfer.PathOf(manifest.Base.Name), Scratch, root => DiskViews.Tree(Path.Combine(root, "sys", "wang"))));
        Assert.That(inBase, Is.EqualTo(DiskViews.Tree(Path.Combine(BackupDirectory, "sys", "wang"))));
        await TimedAsync("restore", async () => (await engine.RestoreAsync()).Unwrap());
        await TimedAsync("unmount", async () =>
        {
            await engine.ShutdownAsync(CancellationToken.None);
            return 0;
        });
    }
}

using System.Diagnostics;
using System.Globalization;
using Platform.Agent.Storage.Rbd;

namespace Platform.Tests.Integration.Storage;

/// <summary>
/// Measures a volume made from an image by clone versus by full copy, and how clone time follows
/// image size. Writes ~3 GiB to the test cluster: run on demand with
/// <c>--filter "TestCategory=Measurement"</c>; the numbers go to the test output.
/// </summary>
[Explicit("measurement: writes GiBs to the cluster")]
[Category("Measurement")]
public class RbdCloneTimingTests : RbdTestBase
{
    private const int Repeats = 5;

    [Test]
    public async Task Clone_versus_full_copy_of_a_written_1_gib_image()
    {
        var image = NewImage(Images, "ami");
        await Images.CreateImageAsync(image, 1UL << 30);
        var fill = Stopwatch.StartNew();
        (await RbdAsync("bench", "--io-type", "write", "--io-size", "4M", "--io-threads", "4", "--io-total", "1G", "--io-pattern", "seq", $"images/{image}")).EnsureSuccess();
        Report($"fill 1 GiB (rbd bench, seq 4M writes): {Seconds(fill.Elapsed)}");

        var first = NewImage(Volumes, "vol");
        var clock = Stopwatch.StartNew();
        await Images.CloneFromImageAsync(image, "base", Volumes, first);
        Report($"binding: first clone incl. snapshot create + protect: {Milliseconds(clock.Elapsed)}");

        var clones = new List<TimeSpan>();
        for (var i = 0; i < Repeats; i++)
        {
            var volume = NewImage(Volumes, "vol");
            clock.Restart();
            await Images.CloneAsync(image, "base", Volumes, volume);
            clones.Add(clock.Elapsed);
        }
        Report($"binding: clone of the protected snapshot, median of {Repeats}: {Milliseconds(Median(clones))} (all: {string.Join(", ", clones.Select(Milliseconds))})");

        var copy = NewImage(Volumes, "copy");
        clock.Restart();
        await Images.CopyImageAsync(image, Volumes, copy);
        Report($"binding: full copy (rbd_copy_with_progress3): {Seconds(clock.Elapsed)}");

        var cliCopy = NewImage(Volumes, "cp");
        clock.Restart();
        (await RbdAsync("cp", "--no-progress", $"images/{image}", $"volumes/{cliCopy}")).EnsureSuccess();
        Report($"cli: rbd cp: {Seconds(clock.Elapsed)}");

        var cliClone = NewImage(Volumes, "clone");
        clock.Restart();
        (await RbdAsync("clone", $"images/{image}@base", $"volumes/{cliClone}")).EnsureSuccess();
        Report($"cli: rbd clone (incl. process start): {Milliseconds(clock.Elapsed)}");

        clock.Restart();
        await Volumes.FlattenImageAsync(first);
        Report($"binding: flatten of a clone of the written 1 GiB (full copy-up): {Seconds(clock.Elapsed)}");

        var usage = await RbdJsonAsync("du", $"volumes/{copy}");
        Report($"copy uses {usage.GetProperty("images")[0].GetProperty("used_size").GetUInt64() >> 20} MiB");
    }

    [Test]
    public async Task Clone_time_as_the_image_grows()
    {
        foreach (var gib in new ulong[] { 1, 2, 4, 16, 256 })
        {
            var image = NewImage(Images, "ami");
            await Images.CreateImageAsync(image, gib << 30);
            // Some written data, the same for every size: the first 64 MiB.
            (await RbdAsync("bench", "--io-type", "write", "--io-size", "4M", "--io-total", "64M", "--io-pattern", "seq", $"images/{image}")).EnsureSuccess();
            await Images.CloneFromImageAsync(image, "base", Volumes, NewImage(Volumes, "vol"));

            var clones = new List<TimeSpan>();
            for (var i = 0; i < Repeats; i++)
            {
                var volume = NewImage(Volumes, "vol");
                var clock = Stopwatch.StartNew();
                await Images.CloneAsync(image, "base", Volumes, volume);
                clones.Add(clock.Elapsed);
            }

            var copy = NewImage(Volumes, "copy");
            var copyClock = Stopwatch.StartNew();
            await Images.CopyImageAsync(image, Volumes, copy);
            var copyTime = copyClock.Elapsed;

            Report($"{gib,4} GiB sparse (64 MiB written): clone median {Milliseconds(Median(clones))} (all: {string.Join(", ", clones.Select(Milliseconds))}); full copy {Seconds(copyTime)}");
            await RemoveCreatedImagesAsync();
        }
    }

    private static TimeSpan Median(List<TimeSpan> values) => values.Order().ElementAt(values.Count / 2);

    private static string Milliseconds(TimeSpan value) => value.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    private static void Report(string line) => TestContext.Out.WriteLine(line);
}

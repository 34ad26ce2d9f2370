using System.Globalization;
using Platform.Tests.Integration.Agent;
using Platform.Tests.Integration.Controller;

namespace Platform.Tests.Integration.Soak;

/// <summary>
/// Mixed churn through REST on a private controller and agent: volumes created and deleted,
/// volumes cloned from an image and deleted, NICs created and deleted. Both daemons' RSS, open
/// descriptors and threads are sampled throughout (and the agent's journal figures); after the
/// churn and an idle period they must be within the stated margins of their figures after the
/// warm-up. The short variant runs with the suite; the long one (<c>./platform soak</c>) on demand.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PlatformChurnSoakTests : ControllerTestBase
{
    /// <summary>RSS after the churn and idle period may exceed the figure after the warm-up by this share…</summary>
    private const double RssGrowthAllowed = 0.25;

    /// <summary>…and the second half of the churn may add this much: a leak grows in both halves, a warm-up only in the first.</summary>
    private const double SecondHalfGrowthAllowedMib = 12;

    /// <summary>Descriptors and threads back to the warm-up figure, give or take pooled connections and idle pool threads.</summary>
    private const int HandleSlack = 8;

    /// <summary>The journal holds an index, not outcomes: at most this many bytes per outcome (its dictionary at double capacity included).</summary>
    private const int JournalBytesPerOutcome = 400;

    private const int Workers = 2;

    [Test]
    [Category("Soak")]
    public Task Memory_and_handles_stay_bounded_under_mixed_churn() => SoakAsync(SoakSchedule.Short);

    [Test]
    [Explicit("long soak: 20 minutes of churn, or PLATFORM_SOAK_MINUTES; ./platform soak")]
    [Category("SoakLong")]
    public Task Memory_and_handles_stay_bounded_under_long_mixed_churn() => SoakAsync(SoakSchedule.Long());

    private async Task SoakAsync(SoakSchedule schedule)
    {
        var imageId = await BlankImageAsync();
        // Rounds delete what they create; a round cut off by a failure leaves at most a volume per worker.
        OnCleanUp(async () =>
        {
            await using var left = Database.CreateCommand("SELECT volume_id FROM volumes");
            var volumes = new List<string>();
            await using (var reader = await left.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    volumes.Add(reader.GetString(0));
                }
            }
            foreach (var volume in volumes)
            {
                await RemoveRbdImageAsync("volumes", volume);
            }
        });
        long operations = 0;
        var pids = new Dictionary<string, int> { ["controller"] = Controller.Pid, ["agent"] = HostAgent.Pid };
        await using var sampler = new SoakSampler(pids, () => Interlocked.Read(ref operations), schedule.SampleInterval)
        {
            Note = async name => name == "agent" ? await JournalNoteAsync() : null,
        };
        sampler.Start();

        async Task ChurnAsync(TimeSpan duration)
        {
            var until = DateTime.UtcNow + duration;
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
            {
                while (DateTime.UtcNow < until)
                {
                    await RoundAsync(imageId);
                    Interlocked.Add(ref operations, 6);
                }
            })));
        }

        IReadOnlyDictionary<string, SoakSample> warm, middle, churned, idle;
        try
        {
            sampler.Phase = "warm-up";
            await ChurnAsync(schedule.Warmup);
            warm = await sampler.SampleAsync();
            sampler.Phase = "churn";
            await ChurnAsync(schedule.Churn / 2);
            middle = await sampler.SampleAsync();
            await ChurnAsync(schedule.Churn / 2);
            churned = await sampler.SampleAsync();
            sampler.Phase = "idle";
            await Task.Delay(schedule.Idle);
            idle = await sampler.SampleAsync();
        }
        catch
        {
            // What the daemons looked like up to the failure, and what they said last.
            TestContext.Out.WriteLine(sampler.Table());
            TestContext.Out.WriteLine($"agent {(HostAgent.HasExited ? "exited" : "running")}; last output:\n{Tail(HostAgent.Output)}");
            TestContext.Out.WriteLine($"controller last output:\n{Tail(Controller.Output)}");
            throw;
        }

        TestContext.Out.WriteLine(sampler.Table());
        foreach (var name in pids.Keys)
        {
            var peak = sampler.Samples.Where(s => s.Process == name).Max(s => s.Figures.RssMib);
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: RSS after warm-up {warm[name].Figures.RssMib:0.0} MiB, half-way {middle[name].Figures.RssMib:0.0}, after churn {churned[name].Figures.RssMib:0.0}, after idle {idle[name].Figures.RssMib:0.0}, peak {peak:0.0}; fds {warm[name].Figures.OpenFiles} -> {idle[name].Figures.OpenFiles}; threads {warm[name].Figures.Threads} -> {idle[name].Figures.Threads}"));
        }
        TestContext.Out.WriteLine($"{Interlocked.Read(ref operations)} REST operations in {schedule.Warmup + schedule.Churn}; agent journal: {idle["agent"].Note}");

        Assert.Multiple(() =>
        {
            foreach (var name in pids.Keys)
            {
                Assert.That(idle[name].Figures.RssMib, Is.LessThanOrEqualTo(warm[name].Figures.RssMib * (1 + RssGrowthAllowed)), $"{name} RSS after idle vs after warm-up (MiB)");
                Assert.That(churned[name].Figures.RssMib - middle[name].Figures.RssMib, Is.LessThanOrEqualTo(SecondHalfGrowthAllowedMib), $"{name} RSS growth over the second half of the churn (MiB)");
                Assert.That(idle[name].Figures.OpenFiles, Is.LessThanOrEqualTo(warm[name].Figures.OpenFiles + HandleSlack), $"{name} open descriptors after idle vs after warm-up");
                Assert.That(idle[name].Figures.Threads, Is.LessThanOrEqualTo(warm[name].Figures.Threads + HandleSlack), $"{name} threads after idle vs after warm-up");
            }
            Assert.That(idle["agent"].Note ?? "(none)", Does.Match("^[0-9]+ outcomes indexed in [0-9]+ KiB"), "the agent's journal figures");
            var (records, kib) = JournalFigures(idle["agent"].Note ?? "0 - - - 0");
            Assert.That(records, Is.GreaterThan(0), "the churn went through the agent's journal");
            Assert.That(kib * 1024.0 / Math.Max(records, 1), Is.LessThanOrEqualTo(JournalBytesPerOutcome), "bytes of agent memory per journal outcome");
        });
    }

    /// <summary>One round: a blank volume, a volume cloned from the image, a NIC, each created and deleted.</summary>
    private async Task RoundAsync(string imageId)
    {
        var blank = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("soak"), volume_size = 1 })).Ok().GetProperty("volume_id").GetString()!;
        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = blank })).Ok();
        var clone = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("soak"), volume_size = 1, image_id = imageId })).Ok().GetProperty("volume_id").GetString()!;
        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = clone })).Ok();
        var nic = (await Api.PostAsync("/api/v1/network/create", new { nic_name = Unique("soak") })).Ok().GetProperty("network_interface_id").GetString()!;
        (await Api.PostAsync("/api/v1/network/delete", new { nic_id = nic })).Ok();
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(30));

    /// <summary>The agent's journal figures as /healthz gives them; null when it gives none.</summary>
    private async Task<string?> JournalNoteAsync()
    {
        try
        {
            return await OperationJournalMemoryTests.JournalHealthAsync(HostAgent);
        }
        catch (AssertionException)
        {
            return null;
        }
    }

    /// <summary>Outcomes and KiB from "N outcomes indexed in K KiB of memory, …".</summary>
    private static (long Records, long Kib) JournalFigures(string description)
    {
        var words = description.Split(' ');
        return (long.Parse(words[0], CultureInfo.InvariantCulture), long.Parse(words[4], CultureInfo.InvariantCulture));
    }
}

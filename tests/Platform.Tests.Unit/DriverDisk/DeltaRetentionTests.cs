using Platform.Agent.DriverDisk;

namespace Platform.Tests.Unit.DriverDisk;

public class DeltaRetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Month = TimeSpan.FromDays(30);

    private static ImageRecord Delta(long from, long to, double daysOld = 0) =>
        new($"delta-{from}-{to}.qcow2", $"driverdisk-delta-v{from}-v{to}.qcow2", 1, "md5", "sha", from, to, $"p{from}", $"p{to}", Now - TimeSpan.FromDays(daysOld));

    private static IEnumerable<(long, long)> Versions(IEnumerable<ImageRecord> deltas) => deltas.Select(d => (d.FromVersion, d.ToVersion));

    [Test]
    public void The_fourth_save_drops_the_first_delta()
    {
        var (keep, drop) = DeltaRetention.Apply([Delta(1, 2), Delta(2, 3), Delta(3, 4), Delta(4, 5)], 5, 3, Month, Now);
        Assert.That(Versions(keep), Is.EqualTo(new[] { (2L, 3L), (3L, 4L), (4L, 5L) }));
        Assert.That(Versions(drop), Is.EqualTo(new[] { (1L, 2L) }));
    }

    [Test]
    public void Three_or_fewer_are_all_kept()
    {
        var (keep, drop) = DeltaRetention.Apply([Delta(1, 2), Delta(2, 3)], 3, 3, Month, Now);
        Assert.That(keep, Has.Count.EqualTo(2));
        Assert.That(drop, Is.Empty);
    }

    [Test]
    public void Deltas_older_than_the_maximum_age_go_even_within_the_count()
    {
        var (keep, drop) = DeltaRetention.Apply([Delta(1, 2, 45), Delta(2, 3, 31), Delta(3, 4, 29)], 4, 3, Month, Now);
        Assert.That(Versions(keep), Is.EqualTo(new[] { (3L, 4L) }));
        Assert.That(drop, Has.Count.EqualTo(2));
    }

    [Test]
    public void The_age_limit_is_inclusive_to_the_tick()
    {
        Assert.That(DeltaRetention.Apply([Delta(1, 2, 30)], 2, 3, Month, Now).Keep, Has.Count.EqualTo(1));
        Assert.That(DeltaRetention.Apply([Delta(1, 2, 30.0001)], 2, 3, Month, Now).Keep, Is.Empty);
    }

    [Test]
    public void Only_an_unbroken_chain_ending_at_the_current_version_is_kept()
    {
        // A restore made version 5 without a delta: nothing leads to it.
        Assert.That(DeltaRetention.Apply([Delta(2, 3), Delta(3, 4)], 5, 3, Month, Now).Keep, Is.Empty);
        // A gap (3→4 missing): what lies behind it is useless.
        var (keep, drop) = DeltaRetention.Apply([Delta(2, 3), Delta(4, 5)], 5, 3, Month, Now);
        Assert.That(Versions(keep), Is.EqualTo(new[] { (4L, 5L) }));
        Assert.That(Versions(drop), Is.EqualTo(new[] { (2L, 3L) }));
    }

    [Test]
    public void The_order_of_the_input_does_not_matter()
    {
        var (keep, _) = DeltaRetention.Apply([Delta(3, 4), Delta(1, 2), Delta(2, 3)], 4, 2, Month, Now);
        Assert.That(Versions(keep), Is.EqualTo(new[] { (2L, 3L), (3L, 4L) }), "oldest first");
    }
}

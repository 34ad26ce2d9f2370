namespace Platform.Agent.DriverDisk;

/// <summary>
/// Which deltas terminals keep getting: the newest <c>count</c> (the seed keeps 3: the fourth
/// save drops the first), none older than <c>maxAge</c> (a month), and only an unbroken chain
/// ending at the current version — a delta behind a gap can never be applied.
/// </summary>
internal static class DeltaRetention
{
    public static (IReadOnlyList<ImageRecord> Keep, IReadOnlyList<ImageRecord> Drop) Apply(
        IReadOnlyList<ImageRecord> deltas, long currentVersion, int count, TimeSpan maxAge, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 0);
        var keep = new List<ImageRecord>();
        var expected = currentVersion;
        // Newest first: walk back along the chain.
        foreach (var delta in deltas.OrderByDescending(d => d.ToVersion))
        {
            if (keep.Count == count || delta.ToVersion != expected || delta.FromVersion >= delta.ToVersion || now - delta.CreatedAt > maxAge)
            {
                break;
            }
            keep.Add(delta);
            expected = delta.FromVersion;
        }
        keep.Reverse();
        var drop = deltas.Where(d => !keep.Contains(d)).ToList();
        return (keep, drop);
    }
}

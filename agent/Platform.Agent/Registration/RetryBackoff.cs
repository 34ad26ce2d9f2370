namespace Platform.Agent.Registration;

/// <summary>
/// Exponential back-off with jitter: 1 s, 2 s, 4 s … up to 30 s, each wait drawn from
/// [½, 1] of the step so that agents restarted together do not call in lockstep.
/// </summary>
internal sealed class RetryBackoff
{
    public static readonly TimeSpan DefaultFirst = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultMax = TimeSpan.FromSeconds(30);

    private readonly TimeSpan _first;
    private readonly TimeSpan _max;
    private readonly Random _random;
    private TimeSpan _step;

    public RetryBackoff(TimeSpan first, TimeSpan max, Random random)
    {
        _first = first;
        _max = max;
        _random = random;
        _step = first;
    }

    public RetryBackoff()
        : this(DefaultFirst, DefaultMax, Random.Shared)
    {
    }

    /// <summary>The wait before the next attempt; doubles the step for the one after.</summary>
    public TimeSpan Next()
    {
        var step = _step;
        _step = step * 2 < _max ? step * 2 : _max;
        return step * (0.5 + (_random.NextDouble() * 0.5));
    }

    public void Reset() => _step = _first;
}

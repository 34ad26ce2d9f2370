using System.Collections.Concurrent;

namespace Platform.Controller.Api;

/// <summary>
/// Lets the same warning through once per <see cref="Window"/> and counts what it held back, so
/// that an outage answered thousands of times logs a line now and then, not a line per request.
/// </summary>
internal sealed class RepeatedWarnings(TimeProvider clock)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>True when the warning <paramref name="key"/> may be logged now; <paramref name="suppressed"/> says how many were held back since the last one.</summary>
    public bool ShouldLog(string key, out int suppressed)
    {
        var now = clock.GetUtcNow();
        var entry = _entries.GetOrAdd(key, _ => new Entry());
        lock (entry)
        {
            if (entry.LastLogged is { } last && now - last < Window)
            {
                entry.Suppressed++;
                suppressed = 0;
                return false;
            }
            suppressed = entry.Suppressed;
            entry.Suppressed = 0;
            entry.LastLogged = now;
            return true;
        }
    }

    private sealed class Entry
    {
        public DateTimeOffset? LastLogged { get; set; }

        public int Suppressed { get; set; }
    }
}

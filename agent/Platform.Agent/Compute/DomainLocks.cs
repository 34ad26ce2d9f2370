namespace Platform.Agent.Compute;

/// <summary>
/// One async lock per domain name: mutating domain commands (define/start, shutdown, power off,
/// undefine, attach/detach of disks and NICs) for the same domain run one after another, while
/// different domains stay parallel. libvirt itself does not serialise a look-then-change
/// sequence (two attaches to one target both see it free, and the second fails inside qemu), so
/// the agent does. A lock lives only while someone holds or waits for it.
/// </summary>
/// <remarks>Names compare ordinally, as libvirt compares domain names.</remarks>
internal sealed class DomainLocks
{
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    /// <summary>How many domains have a holder or waiters right now (for tests).</summary>
    public int Count
    {
        get
        {
            lock (_slots)
            {
                return _slots.Count;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> while holding <paramref name="domain"/>'s lock. Waiting is
    /// bounded by <paramref name="cancellationToken"/> (the caller's deadline); the lock is
    /// released when the work ends, however it ends.
    /// </summary>
    public async Task<T> RunAsync<T>(string domain, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(work);
        var slot = Acquire(domain);
        try
        {
            await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Release(domain, slot);
            throw;
        }
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            slot.Gate.Release();
            Release(domain, slot);
        }
    }

    private Slot Acquire(string domain)
    {
        lock (_slots)
        {
            if (!_slots.TryGetValue(domain, out var slot))
            {
                slot = new Slot();
                _slots.Add(domain, slot);
            }
            slot.Users++;
            return slot;
        }
    }

    private void Release(string domain, Slot slot)
    {
        lock (_slots)
        {
            if (--slot.Users == 0)
            {
                _slots.Remove(domain);
                slot.Gate.Dispose();
            }
        }
    }

    private sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>The holder and the waiters; guarded by the dictionary's lock.</summary>
        public int Users { get; set; }
    }
}

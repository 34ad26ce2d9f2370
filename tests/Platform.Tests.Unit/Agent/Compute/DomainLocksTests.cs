using Platform.Agent.Compute;

namespace Platform.Tests.Unit.Agent.Compute;

public class DomainLocksTests
{
    [Test]
    public async Task Work_for_one_domain_runs_one_at_a_time_and_in_arrival_order()
    {
        var locks = new DomainLocks();
        var inside = 0;
        var most = 0;
        var order = new List<int>();
        var release = new TaskCompletionSource();

        var first = locks.RunAsync("vm", async () =>
        {
            most = Math.Max(most, Interlocked.Increment(ref inside));
            await release.Task;
            lock (order)
            {
                order.Add(0);
            }
            Interlocked.Decrement(ref inside);
            return 0;
        }, CancellationToken.None);
        var rest = Enumerable.Range(1, 5).Select(i => locks.RunAsync("vm", async () =>
        {
            most = Math.Max(most, Interlocked.Increment(ref inside));
            await Task.Yield();
            lock (order)
            {
                order.Add(i);
            }
            Interlocked.Decrement(ref inside);
            return i;
        }, CancellationToken.None)).ToList();

        await Task.Delay(50);
        Assert.That(order, Is.Empty, "everyone waits for the first holder");
        release.SetResult();
        await Task.WhenAll(rest.Prepend(first));

        Assert.That(most, Is.EqualTo(1));
        Assert.That(order, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5 }));
        Assert.That(locks.Count, Is.Zero, "no lock is kept once nobody holds or waits for it");
    }

    [Test]
    public async Task Different_domains_do_not_wait_for_each_other()
    {
        var locks = new DomainLocks();
        var release = new TaskCompletionSource<int>();
        var held = locks.RunAsync("a", () => release.Task, CancellationToken.None);

        var other = await locks.RunAsync("b", () => Task.FromResult(2), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.That(other, Is.EqualTo(2));
        Assert.That(held.IsCompleted, Is.False);
        release.SetResult(1);
        Assert.That(await held, Is.EqualTo(1));
    }

    [Test]
    public async Task A_failing_holder_releases_the_lock()
    {
        var locks = new DomainLocks();

        await Assert.ThrowsAsync<InvalidOperationException>(() => locks.RunAsync<int>("vm", () => throw new InvalidOperationException("boom"), CancellationToken.None));
        var next = await locks.RunAsync("vm", () => Task.FromResult(7), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.That(next, Is.EqualTo(7));
        Assert.That(locks.Count, Is.Zero);
    }

    [Test]
    public async Task A_waiter_whose_call_is_cancelled_gives_up_without_running_and_without_blocking_others()
    {
        var locks = new DomainLocks();
        var release = new TaskCompletionSource<int>();
        var held = locks.RunAsync("vm", () => release.Task, CancellationToken.None);
        using var cancellation = new CancellationTokenSource();
        var ran = false;

        var waiting = locks.RunAsync("vm", () =>
        {
            ran = true;
            return Task.FromResult(0);
        }, cancellation.Token);
        var after = locks.RunAsync("vm", () => Task.FromResult(3), CancellationToken.None);
        await cancellation.CancelAsync();

        await Assert.CatchAsync<OperationCanceledException>(() => waiting);
        release.SetResult(1);
        Assert.That(await held, Is.EqualTo(1));
        Assert.That(await after.WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo(3));
        Assert.That(ran, Is.False);
        Assert.That(locks.Count, Is.Zero);
    }
}

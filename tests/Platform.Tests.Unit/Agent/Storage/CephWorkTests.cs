using Platform.Agent.Storage.Rbd;

namespace Platform.Tests.Unit.Agent.Storage;

public class CephWorkTests
{
    [Test]
    public async Task Runs_the_call_on_a_thread_other_than_the_callers()
    {
        var caller = Environment.CurrentManagedThreadId;

        var worker = await CephWork.RunAsync(() => Environment.CurrentManagedThreadId, CancellationToken.None);

        Assert.That(worker, Is.Not.EqualTo(caller));
    }

    [Test]
    public void A_call_cancelled_before_it_starts_never_runs()
    {
        var ran = false;

        Assert.That(() => CephWork.RunAsync(() => ran = true, new CancellationToken(canceled: true)), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(ran, Is.False);
    }

    [Test]
    public void Failures_of_the_call_reach_the_caller()
    {
        Assert.That(
            () => CephWork.RunAsync<int>(() => throw CephErrors.Rbd(-2, "rbd_open", "images/x"), CancellationToken.None),
            Throws.InstanceOf<RbdException>().With.Property(nameof(RbdException.Error)).EqualTo(CephErrno.NotFound));
    }

    [Test]
    public async Task A_started_side_effect_free_call_is_abandoned_on_cancel_and_its_result_discarded_later()
    {
        using var release = new ManualResetEventSlim();
        using var cancel = new CancellationTokenSource();
        var discarded = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = CephWork.RunDetachedAsync(
            () =>
            {
                release.Wait();
                return "connection";
            },
            discarded.SetResult,
            cancel.Token);
        await cancel.CancelAsync();

        Assert.That(() => call, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(discarded.Task.IsCompleted, Is.False, "the native call is still running");
        release.Set();
        Assert.That(await discarded.Task.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo("connection"));
    }

    [Test]
    public async Task A_detached_call_that_completes_returns_its_result_and_discards_nothing()
    {
        var discarded = false;

        var result = await CephWork.RunDetachedAsync(() => 42, _ => discarded = true, CancellationToken.None);

        Assert.That(result, Is.EqualTo(42));
        Assert.That(discarded, Is.False);
    }
}

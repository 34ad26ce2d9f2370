using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Controller.Agents;

namespace Platform.Tests.Unit.Controller;

/// <summary>A change retries an agent answering UNAVAILABLE, with back-off, within its budget; nothing else is retried.</summary>
public class AgentRetryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Test]
    public async Task Unavailable_answers_are_retried_until_the_agent_answers()
    {
        var calls = 0;
        var answer = await Client(budget: TimeSpan.FromSeconds(10)).RetryUnavailableAsync("RemoveImage",
            _ => ++calls < 3 ? Failing(StatusCode.Unavailable) : Answering("removed"), Timeout, CancellationToken.None);

        Assert.That((answer, calls), Is.EqualTo(("removed", 3)));
    }

    [Test]
    public async Task An_agent_unavailable_for_longer_than_the_budget_fails_the_call_as_unavailable()
    {
        var calls = 0;
        var failure = await Assert.ThrowsAsync<AgentException>(() => Client(budget: TimeSpan.FromSeconds(1.5)).RetryUnavailableAsync("RemoveImage",
            _ => { calls++; return Failing(StatusCode.Unavailable); }, Timeout, CancellationToken.None));

        Assert.That(failure!.Status, Is.EqualTo(StatusCode.Unavailable));
        // Waits of 0.25 s, then 0.5 s: a third wait, of 1 s, would end past the budget.
        Assert.That(calls, Is.EqualTo(3));
    }

    [TestCase(StatusCode.FailedPrecondition)]
    [TestCase(StatusCode.NotFound)]
    [TestCase(StatusCode.DeadlineExceeded)]
    [TestCase(StatusCode.Internal)]
    public async Task Other_failures_are_not_retried(StatusCode status)
    {
        var calls = 0;
        var failure = await Assert.ThrowsAsync<AgentException>(() => Client(budget: TimeSpan.FromSeconds(10)).RetryUnavailableAsync("AttachDisk",
            _ => { calls++; return Failing(status); }, Timeout, CancellationToken.None));

        Assert.That((failure!.Status, calls), Is.EqualTo((status, 1)));
    }

    [Test]
    public async Task A_zero_budget_fails_at_the_first_unavailable()
    {
        var calls = 0;
        await Assert.ThrowsAsync<AgentException>(() => Client(budget: TimeSpan.Zero).RetryUnavailableAsync("AttachDisk",
            _ => { calls++; return Failing(StatusCode.Unavailable); }, Timeout, CancellationToken.None));

        Assert.That(calls, Is.EqualTo(1));
    }

    private static AgentClient Client(TimeSpan budget) =>
        new("http://127.0.0.1:1", GrpcChannel.ForAddress("http://127.0.0.1:1").CreateCallInvoker(),
            new AgentOptions { UnavailableRetryBudget = budget }, TimeProvider.System, NullLogger<AgentClient>.Instance);

    private static AsyncUnaryCall<string> Answering(string value) =>
        new(Task.FromResult(value), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });

    private static AsyncUnaryCall<string> Failing(StatusCode status) =>
        new(Task.FromException<string>(new RpcException(new Status(status, "agent says no"))), Task.FromResult(new Metadata()), () => new Status(status, "agent says no"), () => [], () => { });
}

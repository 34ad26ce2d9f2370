using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Agent.Operations;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Platform.Rpc.Errors;
using Grpc.Net.Client;

namespace Platform.Tests.Unit.Agent.Operations;

public class OperationJournalTests
{
    private const string Create = "/platform.agent.v1.RbdService/CreateImage";
    private const string Remove = "/platform.agent.v1.RbdService/RemoveImage";

    private string _directory = null!;
    private ManualTime _time = null!;

    private string JournalPath => Path.Combine(_directory, "ops", "operations.journal");

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("journal-tests-").FullName;
        _time = new ManualTime(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task A_repeated_operation_gets_the_first_response_without_the_work_running_again()
    {
        using var journal = Open();
        var runs = 0;

        var first = await journal.RunAsync("op-1", Create, Request("vol-1"), CancellationToken.None, _ => Task.FromResult(Image("vol-1", ++runs)));
        var second = await journal.RunAsync("op-1", Create, Request("vol-1"), CancellationToken.None, _ => Task.FromResult(Image("vol-1", ++runs)));

        Assert.That(runs, Is.EqualTo(1));
        Assert.That(second, Is.EqualTo(first));
        Assert.That(second.SizeBytes, Is.EqualTo(1UL));
    }

    [Test]
    public async Task A_recorded_error_is_replayed_with_its_code_message_and_rich_details()
    {
        using var journal = Open();
        var runs = 0;
        Task<RbdImage> Refuse(CancellationToken _)
        {
            runs++;
            throw RichErrors.Error(StatusCode.FailedPrecondition, "images/base has clones", new Google.Rpc.PreconditionFailure());
        }

        var first = (await Assert.ThrowsAsync<RpcException>(() => journal.RunAsync("op-err", Create, Request("base"), CancellationToken.None, Refuse)))!;
        var second = (await Assert.ThrowsAsync<RpcException>(() => journal.RunAsync("op-err", Create, Request("base"), CancellationToken.None, Refuse)))!;

        Assert.That(runs, Is.EqualTo(1));
        Assert.That(second.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(second.Status.Detail, Is.EqualTo(first.Status.Detail));
        Assert.That(second.GetRpcStatus(), Is.EqualTo(first.GetRpcStatus()).And.Not.Null);
    }

    [Test]
    public async Task The_same_operation_id_with_a_different_request_is_refused_as_reused()
    {
        using var journal = Open();
        await journal.RunAsync("op-2", Create, Request("vol-a"), CancellationToken.None, _ => Task.FromResult(Image("vol-a", 1)));

        var error = (await Assert.ThrowsAsync<RpcException>(() => journal.RunAsync("op-2", Create, Request("vol-b"), CancellationToken.None, _ => Task.FromResult(Image("vol-b", 1)))))!;

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(error.Status.Detail, Does.Contain("operation id reused for a different request"));
    }

    [Test]
    public async Task The_same_operation_id_for_another_method_is_refused_as_reused()
    {
        using var journal = Open();
        await journal.RunAsync("op-3", Create, Request("vol-c"), CancellationToken.None, _ => Task.FromResult(Image("vol-c", 1)));

        var error = (await Assert.ThrowsAsync<RpcException>(() => journal.RunAsync("op-3", Remove, Request("vol-c"), CancellationToken.None, _ => Task.FromResult(new RemoveImageResponse { Existed = true }))))!;

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(error.Status.Detail, Does.Contain("operation id reused").And.Contain("CreateImage"));
    }

    [Test]
    public async Task Outcomes_are_replayed_by_a_new_journal_on_the_same_file_as_after_a_restart()
    {
        using (var before = Open())
        {
            await before.RunAsync("op-4", Create, Request("vol-d"), CancellationToken.None, _ => Task.FromResult(Image("vol-d", 7)));
        }

        using var after = Open();
        var replayed = await after.RunAsync("op-4", Create, Request("vol-d"), CancellationToken.None, _ => Task.FromResult(Image("vol-d", 99)));

        Assert.That(replayed.SizeBytes, Is.EqualTo(7UL));
    }

    [Test]
    public async Task Each_record_is_one_json_line_with_id_method_request_hash_outcome_and_time()
    {
        using (var journal = Open())
        {
            await journal.RunAsync("op-5", Create, Request("vol-e"), CancellationToken.None, _ => Task.FromResult(Image("vol-e", 5)));
        }

        var lines = File.ReadAllLines(JournalPath);
        Assert.That(lines, Has.Length.EqualTo(1));
        using var record = JsonDocument.Parse(lines[0]);
        var root = record.RootElement;
        Assert.That(root.GetProperty("id").GetString(), Is.EqualTo("op-5"));
        Assert.That(root.GetProperty("method").GetString(), Is.EqualTo(Create));
        Assert.That(root.GetProperty("request_sha256").GetString(), Has.Length.EqualTo(64));
        Assert.That(root.GetProperty("code").GetInt32(), Is.Zero);
        Assert.That(RbdImage.Parser.ParseFrom(root.GetProperty("response").GetBytesFromBase64()).SizeBytes, Is.EqualTo(5UL));
        Assert.That(root.GetProperty("at").GetDateTimeOffset(), Is.EqualTo(_time.GetUtcNow()));
    }

    [Test]
    public async Task A_torn_last_line_is_ignored_on_load_and_later_records_start_on_a_line_of_their_own()
    {
        using (var journal = Open())
        {
            await journal.RunAsync("op-6", Create, Request("vol-f"), CancellationToken.None, _ => Task.FromResult(Image("vol-f", 6)));
        }
        // What a crash in the middle of an append leaves.
        await File.AppendAllTextAsync(JournalPath, "{\"id\":\"op-torn\",\"method\":\"/platform.agent.v1.RbdSer");

        using (var reloaded = Open())
        {
            Assert.That(reloaded.RecordCount, Is.Zero, "loaded on first use only");
            var replayed = await reloaded.RunAsync("op-6", Create, Request("vol-f"), CancellationToken.None, _ => Task.FromResult(Image("vol-f", 60)));
            var runs = 0;
            await reloaded.RunAsync("op-torn", Create, Request("vol-g"), CancellationToken.None, _ => Task.FromResult(Image("vol-g", ++runs)));
            Assert.That(replayed.SizeBytes, Is.EqualTo(6UL));
            Assert.That(runs, Is.EqualTo(1), "the torn record counts as never written");
        }

        var ran = false;
        using (var third = Open())
        {
            await third.RunAsync("op-torn", Create, Request("vol-g"), CancellationToken.None, _ =>
            {
                ran = true;
                return Task.FromResult(Image("vol-g", 1));
            });
        }
        Assert.That(ran, Is.False, "the record written after the torn line was read back");
        Assert.That(File.ReadAllLines(JournalPath).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()), Is.EqualTo(new[] { "op-6", "op-torn" }));
    }

    [Test]
    public async Task Records_older_than_the_retention_are_dropped_on_load_and_the_operation_runs_again()
    {
        using (var journal = Open())
        {
            await journal.RunAsync("op-old", Create, Request("vol-h"), CancellationToken.None, _ => Task.FromResult(Image("vol-h", 1)));
            _time.Advance(TimeSpan.FromDays(6));
            await journal.RunAsync("op-new", Create, Request("vol-i"), CancellationToken.None, _ => Task.FromResult(Image("vol-i", 1)));
        }
        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));

        var oldRuns = 0;
        var newRuns = 0;
        using (var reloaded = Open())
        {
            await reloaded.RunAsync("op-old", Create, Request("vol-h"), CancellationToken.None, _ => Task.FromResult(Image("vol-h", ++oldRuns)));
            await reloaded.RunAsync("op-new", Create, Request("vol-i"), CancellationToken.None, _ => Task.FromResult(Image("vol-i", ++newRuns)));
        }

        Assert.That(oldRuns, Is.EqualTo(1), "expired: executed again");
        Assert.That(newRuns, Is.Zero, "within the retention: replayed");
        var ids = File.ReadAllLines(JournalPath).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).ToList();
        Assert.That(ids, Is.EqualTo(new[] { "op-new", "op-old" }), "the expired record was rewritten away; the new run appended");
    }

    [Test]
    public async Task Transient_failures_and_cancellation_are_not_recorded_and_the_retry_runs_the_work()
    {
        using var journal = Open();
        var runs = 0;

        await Assert.ThrowsAsync<RpcException>(() => journal.RunAsync<CreateImageRequest, RbdImage>("op-7", Create, Request("vol-j"), CancellationToken.None, _ =>
        {
            runs++;
            throw new RpcException(new Status(StatusCode.Unavailable, "cluster away"));
        }));
        await Assert.ThrowsAsync<OperationCanceledException>(() => journal.RunAsync<CreateImageRequest, RbdImage>("op-7", Create, Request("vol-j"), CancellationToken.None, _ =>
        {
            runs++;
            throw new OperationCanceledException();
        }));
        var done = await journal.RunAsync("op-7", Create, Request("vol-j"), CancellationToken.None, _ => Task.FromResult(Image("vol-j", ++runs)));

        Assert.That(runs, Is.EqualTo(3));
        Assert.That(done.SizeBytes, Is.EqualTo(3UL));
        Assert.That(journal.RecordCount, Is.EqualTo(1));
    }

    [Test]
    public async Task A_repeat_arriving_while_the_first_run_is_going_waits_for_it_and_gets_its_outcome()
    {
        using var journal = Open();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        async Task<RbdImage> Work(CancellationToken _)
        {
            Interlocked.Increment(ref runs);
            started.TrySetResult();
            await release.Task;
            return Image("vol-k", 11);
        }

        var first = journal.RunAsync("op-8", Create, Request("vol-k"), CancellationToken.None, Work);
        await started.Task;
        var repeat = journal.RunAsync("op-8", Create, Request("vol-k"), CancellationToken.None, Work);
        await Task.Delay(100);
        Assert.That(repeat.IsCompleted, Is.False, "the repeat waits for the first run");
        release.SetResult();

        Assert.That((await repeat).SizeBytes, Is.EqualTo(11UL));
        Assert.That((await first).SizeBytes, Is.EqualTo(11UL));
        Assert.That(runs, Is.EqualTo(1));
    }

    [Test]
    public async Task A_second_journal_on_a_file_in_use_answers_unavailable()
    {
        using var holder = Open();
        await holder.RunAsync("op-9", Create, Request("vol-l"), CancellationToken.None, _ => Task.FromResult(Image("vol-l", 1)));

        using var second = Open();
        var error = (await Assert.ThrowsAsync<RpcException>(() => second.RunAsync("op-10", Create, Request("vol-m"), CancellationToken.None, _ => Task.FromResult(Image("vol-m", 1)))))!;

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unavailable));
    }

    private OperationJournal Open() =>
        new(Options.Create(new OperationsOptions { JournalPath = JournalPath, Retention = TimeSpan.FromDays(7) }), _time, NullLogger<OperationJournal>.Instance);

    private static CreateImageRequest Request(string name) => new() { OperationId = "ignored-by-the-hash-only", Pool = "volumes", Name = name, SizeBytes = 1 << 20 };

    private static RbdImage Image(string name, int size) => new() { Pool = "volumes", Name = name, SizeBytes = (ulong)size };

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}

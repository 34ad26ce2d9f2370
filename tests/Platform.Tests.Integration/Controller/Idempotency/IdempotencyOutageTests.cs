using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Idempotency;

/// <summary>
/// Creates and deletes while the inventory database goes away and comes back (issue: 503s of
/// creates and deletes that had in fact been carried out). Clients retry each request with its
/// Idempotency-Key until the answer is no 503: each key makes exactly one volume (deletes one), and
/// every 503 tells the truth — "not done" left nothing, "outcome unknown" names a task that
/// exists exactly when the change committed. Requests without a key are checked the same way.
/// The fixture has a PostgreSQL of its own to stop.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class IdempotencyOutageTests : ControllerTestBase
{
    // Away from the test environment's ports and the other fixtures'.
    private const int PortBase = 25000;
    private const string NamePrefix = "outage-";
    private static readonly TimeSpan KeyDeadline = TimeSpan.FromMinutes(3);
    // How soon a client repeats a request answered 503: its retry pace, not a wait for a condition.
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    private readonly OwnPostgres _postgres = new("idem-outage", PortBase);

    private protected override Task<ComponentSettings> StartPostgresAsync(ComponentSettings environmentPostgres) => _postgres.StartAsync();

    protected override Task StopPostgresAsync() => _postgres.RemoveAsync();

    /// <summary>One request as a retrying client sends it: its key (null: none), every answer, the last one.</summary>
    private sealed class Run(string? key, string name)
    {
        public string? Key => key;

        public string Name => name;

        public ConcurrentQueue<KeyedAnswer> Answers { get; } = new();

        public KeyedAnswer Final => Answers.Last();
    }

    [Test]
    public async Task Keyed_requests_retried_through_an_outage_make_one_volume_each_and_every_503_tells_the_truth()
    {
        var client = new KeyedClient(Controller.RestUrl, Controller.Token);
        OnCleanUp(RemoveVolumesAsync);
        var doomed = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            doomed.Add((await Api.PostAsync("/api/v1/volume/create", new { volume_name = NamePrefix + Unique("doomed"), volume_size = 1 })).Ok().GetProperty("volume_id").GetString()!);
        }

        var over = new CancellationTokenSource();
        var keyed = new ConcurrentQueue<Run>();
        var unkeyed = new ConcurrentQueue<Run>();
        var creators = Enumerable.Range(0, 4).Select(_ => CreateUntilOverAsync(client, keyed, withKey: true, over.Token))
            .Concat(Enumerable.Range(0, 2).Select(_ => CreateUntilOverAsync(client, unkeyed, withKey: false, over.Token))).ToList();
        await Eventually.HoldsAsync(() => Task.FromResult(keyed.Count(r => r.Answers.Any(a => a.Response.Code == 0)) >= 4),
            TimeSpan.FromSeconds(60), "keyed creates are being carried out");

        // Two deletes start as the database stops (likely caught mid-way), two during the outage.
        var deletions = new List<Task<Run>> { DeleteAsync(client, doomed[0]), DeleteAsync(client, doomed[1]) };
        var stopped = DateTime.UtcNow;
        var unavailable = () => keyed.Concat(unkeyed).SelectMany(r => r.Answers).Count(a => a.Response.Status == HttpStatusCode.ServiceUnavailable);
        (await PostgresScriptAsync("stop")).EnsureSuccess();
        try
        {
            deletions.Add(DeleteAsync(client, doomed[2]));
            deletions.Add(DeleteAsync(client, doomed[3]));
            // About 10 s of retries (six clients, five tries a second): longer than Tasks:Lease, so
            // tasks the outage interrupted are resumed by the worker afterwards, as in production.
            await Eventually.HoldsAsync(() => Task.FromResult(unavailable() >= 300), TimeSpan.FromSeconds(90), "requests meet the outage");
        }
        finally
        {
            (await PostgresScriptAsync("start")).EnsureSuccess();
            TestContext.Out.WriteLine($"the database was away {(DateTime.UtcNow - stopped).TotalSeconds:0.0} s");
            await over.CancelAsync();
            // Idle pooled connections of the fixture's own admin connection died with the server.
            Npgsql.NpgsqlConnection.ClearAllPools();
        }
        await Task.WhenAll(creators).WaitAsync(KeyDeadline);
        var deleted = await Task.WhenAll(deletions).WaitAsync(KeyDeadline);
        await Eventually.HoldsAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM tasks WHERE state IN ('pending', 'running')") == 0,
            TimeSpan.FromMinutes(2), "every task the outage interrupted has finished");

        var answers = keyed.Concat(unkeyed).Concat(deleted).SelectMany(r => r.Answers).ToList();
        var summary = string.Join(", ", answers.GroupBy(a => $"{(int)a.Response.Status}/{a.Response.Code}{(a.Replayed ? " replayed" : "")}")
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}"));
        TestContext.Out.WriteLine($"{keyed.Count} keyed and {unkeyed.Count} unkeyed creates, {deleted.Length} keyed deletes; answers {summary}");
        Assert.That(answers.Select(a => a.Response.Code).Distinct(), Is.SubsetOf(new[] { 0, 50301, 50303, 50304, 40916 }), summary);

        var unknownCommitted = 0;
        var unknownNotCommitted = 0;
        foreach (var run in keyed)
        {
            var volumeId = await AssertOneVolumeAsync(run);
            foreach (var unknown in run.Answers.Where(a => a.Response.Code == 50304))
            {
                var (taskId, resourceId) = NamedChange(unknown);
                if (await TaskExistsAsync(taskId))
                {
                    unknownCommitted++;
                    Assert.That(resourceId, Is.EqualTo(volumeId), $"the committed attempt of key {run.Key} made the key's volume");
                }
                else
                {
                    unknownNotCommitted++;
                }
            }
            Assert.That(await ScalarAsync<string>("SELECT state FROM idempotency_keys WHERE key = @key", ("key", run.Key!)), Is.AnyOf("completed", "committed"));
        }
        foreach (var run in unkeyed)
        {
            var answer = run.Final;
            var made = await VolumesNamedAsync(run.Name);
            switch (answer.Response.Code)
            {
                case 0:
                    Assert.That(made, Is.EqualTo(new[] { answer.Response.Data.GetProperty("volume_id").GetString() }), run.Name);
                    break;
                case 50304:
                    var (taskId, resourceId) = NamedChange(answer);
                    var committed = await TaskExistsAsync(taskId);
                    Assert.That(made, Is.EqualTo(committed ? new[] { resourceId } : Array.Empty<string>()), $"{run.Name}: {answer}");
                    if (committed)
                    {
                        unknownCommitted++;
                    }
                    else
                    {
                        unknownNotCommitted++;
                    }
                    break;
                default:
                    Assert.That(made, Is.Empty, $"'not done' left nothing: {run.Name}: {answer}");
                    break;
            }
        }
        foreach (var run in deleted)
        {
            var volumeId = run.Name;
            Assert.That(run.Final.Response.Code, Is.AnyOf(0, 40916), run.Final.ToString());
            Assert.That(await ScalarAsync<long>("SELECT count(*) FROM volumes WHERE volume_id = @id", ("id", volumeId)), Is.Zero, $"{volumeId} deleted");
            Assert.That(await RbdImageExistsAsync("volumes", volumeId), Is.False, $"{volumeId}'s RBD image removed");
            Assert.That(await ScalarAsync<long>("SELECT count(*) FROM tasks WHERE resource_id = @id AND kind = 'volume.delete'", ("id", volumeId)), Is.EqualTo(1),
                $"{volumeId} deleted once");
        }
        TestContext.Out.WriteLine($"'outcome unknown' answers: {unknownCommitted} had committed (their task exists), {unknownNotCommitted} had not (no such task)");
    }

    /// <summary>Creates volumes, each retried with one key until answered no 503, until the outage is over.</summary>
    private static async Task CreateUntilOverAsync(KeyedClient client, ConcurrentQueue<Run> runs, bool withKey, CancellationToken over)
    {
        while (!over.IsCancellationRequested)
        {
            var run = new Run(withKey ? Guid.NewGuid().ToString() : null, NamePrefix + Unique("v"));
            runs.Enqueue(run);
            await RetryAsync(run, () => client.PostAsync("/api/v1/volume/create", new { volume_name = run.Name, volume_size = 1 }, run.Key), withKey);
            if (run.Final.Response.Status == HttpStatusCode.ServiceUnavailable)
            {
                // Without a key, every try is a new request: paced like the retries.
                await Task.Delay(RetryPause, CancellationToken.None);
            }
        }
    }

    /// <summary>Deletes the volume by the seed's GET with a key, retried until answered no 503.</summary>
    private static async Task<Run> DeleteAsync(KeyedClient client, string volumeId)
    {
        var run = new Run(Guid.NewGuid().ToString(), volumeId);
        await RetryAsync(run, () => client.PostFormAsync("/api/v1/volume/delete", run.Key, ("volume_id", volumeId)), retry: true);
        return run;
    }

    private static async Task RetryAsync(Run run, Func<Task<KeyedAnswer>> send, bool retry)
    {
        var deadline = DateTime.UtcNow + KeyDeadline;
        while (true)
        {
            var answer = await send();
            run.Answers.Enqueue(answer);
            if (!retry || answer.Response.Status != HttpStatusCode.ServiceUnavailable)
            {
                return;
            }
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{run.Name} still answered 503 after {KeyDeadline}: {answer}");
            await Task.Delay(RetryPause);
        }
    }

    /// <summary>The key made exactly the volume its last answer names (200 with the volume, or 40916 naming it).</summary>
    private async Task<string> AssertOneVolumeAsync(Run run)
    {
        var final = run.Final;
        var volumeId = final.Response.Code switch
        {
            0 => final.Response.Data.GetProperty("volume_id").GetString()!,
            40916 => final.Response.Data.GetProperty("resource_id").GetString()!,
            _ => throw new AssertionException($"key {run.Key} ended with {final}"),
        };
        Assert.That(await VolumesNamedAsync(run.Name), Is.EqualTo(new[] { volumeId }), $"key {run.Key}: one volume, the one answered ({final})");
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", volumeId)), Is.EqualTo("available"));
        Assert.That(await RbdImageExistsAsync("volumes", volumeId), Is.True, $"{volumeId} has its RBD image");
        return volumeId;
    }

    private static (string TaskId, string ResourceId) NamedChange(KeyedAnswer answer)
    {
        Assert.That(answer.Response.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var taskId = answer.Response.Data.GetProperty("task_id").GetString();
        Assert.That(taskId, Does.StartWith("task-"), answer.ToString());
        Assert.That(answer.Response.Message, Does.Contain($"check task {taskId}"));
        return (taskId!, answer.Response.Data.GetProperty("resource_id").GetString()!);
    }

    private async Task<bool> TaskExistsAsync(string taskId) =>
        await ScalarAsync<long>("SELECT count(*) FROM tasks WHERE task_id = @id", ("id", taskId)) == 1;

    private async Task<string[]> VolumesNamedAsync(string name)
    {
        await using var command = Database.CreateCommand("SELECT volume_id FROM volumes WHERE volume_name = @name ORDER BY volume_id");
        command.Parameters.AddWithValue("name", name);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return [.. ids];
    }

    /// <summary>Every RBD image this test's volumes have (found by name prefix in the inventory), whatever state the test ended in.</summary>
    private async Task RemoveVolumesAsync()
    {
        await using var command = Database.CreateCommand("SELECT volume_id FROM volumes WHERE volume_name LIKE @prefix");
        command.Parameters.AddWithValue("prefix", NamePrefix + "%");
        var ids = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetString(0));
            }
        }
        foreach (var id in ids)
        {
            await RemoveRbdImageAsync("volumes", id);
        }
    }

    private Task<ProcessResult> PostgresScriptAsync(string action) => _postgres.RunAsync(action);
}

using System.Net;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Idempotency;

/// <summary>
/// The Idempotency-Key of the mutating REST calls against the fixture's controller, checked in
/// the inventory with SQL and in Ceph with rbd: a repeat answers the first answer and makes
/// nothing, the key with another request is refused, concurrent repeats run once, keys expire.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class IdempotencyTests : ControllerTestBase
{
    private KeyedClient _keyed = null!;

    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings)
        {
            ["Idempotency:Retention"] = "01:00:00",
            ["Idempotency:CleanupInterval"] = "00:00:01",
        };

    [OneTimeSetUp]
    public void CreateClient() => _keyed = new KeyedClient(Controller.RestUrl, Controller.Token);

    [Test]
    public async Task A_repeat_answers_what_the_first_request_was_answered_and_makes_nothing()
    {
        var key = NewKey();
        var name = Unique("idem");
        var first = await _keyed.PostAsync("/api/v1/volume/create", new { volume_name = name, volume_size = 1 }, key);
        var volume = first.Response.Ok();
        var volumeId = volume.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        Assert.That(first.Replayed, Is.False);
        Assert.That(await RbdImageExistsAsync("volumes", volumeId), Is.True);

        var inventory = await InventorySnapshotAsync();
        var pool = await Rbd("ls", "volumes");
        for (var repeat = 0; repeat < 2; repeat++)
        {
            var again = await _keyed.PostAsync("/api/v1/volume/create", new { volume_name = name, volume_size = 1 }, key);
            Assert.That(again.Replayed, Is.True, again.ToString());
            Assert.That((again.Response.Status, again.Response.Body), Is.EqualTo((first.Response.Status, first.Response.Body)), "the first answer, as it was");
        }
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(inventory), "no row, task or audit event more");
        Assert.That(await Rbd("ls", "volumes"), Is.EqualTo(pool), "no RBD image more");
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM volumes WHERE volume_name = @name", ("name", name)), Is.EqualTo(1));
        Assert.That(await KeyRecordAsync(key), Is.EqualTo(("completed", volumeId, volume.GetProperty("task_id").GetString())));

        // The same fields as a form are another request (another body): the key refuses it.
        var form = await _keyed.PostFormAsync("/api/v1/volume/create", key, ("volume_name", name), ("volume_size", "1"));
        AssertRefused(form, HttpStatusCode.UnprocessableEntity, 42200);
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(inventory));
    }

    [Test]
    public async Task The_key_of_another_request_is_refused_and_nothing_changes()
    {
        var key = NewKey();
        var name = Unique("nic");
        var first = await _keyed.PostAsync("/api/v1/network/create", new { network_interface_name = name }, key);
        var nicId = first.Response.Ok().GetProperty("network_interface_id").GetString()!;
        OnCleanUp(() => Api.PostAsync("/api/v1/network/delete", new { network_interface_id = nicId }));
        var inventory = await InventorySnapshotAsync();

        AssertRefused(await _keyed.PostAsync("/api/v1/network/create", new { network_interface_name = name + "x" }, key), HttpStatusCode.UnprocessableEntity, 42200);
        AssertRefused(await _keyed.PostAsync("/api/v1/volume/create", new { volume_name = name, volume_size = 1 }, key), HttpStatusCode.UnprocessableEntity, 42200);
        AssertRefused(await _keyed.PostAsync("/api/v1/network/create?x=1", new { network_interface_name = name }, key), HttpStatusCode.UnprocessableEntity, 42200);
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(inventory));

        var again = await _keyed.PostAsync("/api/v1/network/create", new { network_interface_name = name }, key);
        Assert.That((again.Replayed, again.Response.Body), Is.EqualTo((true, first.Response.Body)));
        // Another key is another request.
        var other = await _keyed.PostAsync("/api/v1/network/create", new { network_interface_name = name }, NewKey());
        var otherId = other.Response.Ok().GetProperty("network_interface_id").GetString()!;
        OnCleanUp(() => Api.PostAsync("/api/v1/network/delete", new { network_interface_id = otherId }));
        Assert.That((other.Replayed, otherId), Is.Not.EqualTo((true, nicId)));
    }

    [Test]
    public async Task Concurrent_repeats_run_once_the_others_are_told_it_is_in_progress_or_get_its_answer()
    {
        var key = NewKey();
        var name = Unique("race");
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            _keyed.PostAsync("/api/v1/volume/create", new { volume_name = name, volume_size = 1 }, key)));
        var ran = answers.Where(a => a.Response.Status == HttpStatusCode.OK && !a.Replayed).ToList();
        Assert.That(ran, Has.Count.EqualTo(1), string.Join("\n", answers.Select(a => a.ToString())));
        var volumeId = ran[0].Response.Data.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        foreach (var answer in answers.Except(ran))
        {
            if (answer.Response.Status == HttpStatusCode.OK)
            {
                Assert.That((answer.Replayed, answer.Response.Body), Is.EqualTo((true, ran[0].Response.Body)));
            }
            else
            {
                AssertRefused(answer, HttpStatusCode.Conflict, 40915);
                Assert.That(answer.RetryAfter, Is.EqualTo("1"));
            }
        }
        // How many repeats arrive while the first still runs depends on the machine's timing (all
        // of them may come after it, and are then replays); the in-progress answer itself is
        // checked deterministically with a held key in A_key_held_by_a_request_that_died_….
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM volumes WHERE volume_name = @name", ("name", name)), Is.EqualTo(1));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM tasks WHERE resource_id = @id", ("id", volumeId)), Is.EqualTo(1));
        var repeat = await _keyed.PostAsync("/api/v1/volume/create", new { volume_name = name, volume_size = 1 }, key);
        Assert.That((repeat.Replayed, repeat.Response.Body), Is.EqualTo((true, ran[0].Response.Body)));
    }

    [Test]
    public async Task A_refused_request_leaves_its_key_free_for_the_request_that_works()
    {
        var key = NewKey();
        var name = Unique("free");
        AssertRefused(await _keyed.PostAsync("/api/v1/volume/create", new { volume_name = name, volume_size = 0 }, key), HttpStatusCode.BadRequest, 40001);
        AssertRefused(await _keyed.PostAsync("/api/v1/volume/create", new { volume_name = name, volume_size = 1, image_id = "ami-00000000" }, key), HttpStatusCode.NotFound, 40401);
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE key = @key", ("key", key)), Is.Zero);
        // A form body is hashed as the endpoint reads it, like JSON.
        var created = await _keyed.PostFormAsync("/api/v1/volume/create", key, ("volume_name", name), ("volume_size", "1"));
        var volumeId = created.Response.Ok().GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        Assert.That(created.Replayed, Is.False);
        var again = await _keyed.PostFormAsync("/api/v1/volume/create", key, ("volume_name", name), ("volume_size", "1"));
        Assert.That((again.Replayed, again.Response.Body), Is.EqualTo((true, created.Response.Body)));
        AssertRefused(await _keyed.PostFormAsync("/api/v1/volume/create", key, ("volume_name", name), ("volume_size", "2")), HttpStatusCode.UnprocessableEntity, 42200);
    }

    /// <summary>The seed's GET delete (served only with Security:AllowGetDeletes) is a change like any: a key makes its repeat safe.</summary>
    [Test]
    public async Task The_seeds_delete_by_GET_takes_a_key_and_deletes_once()
    {
        await using var legacy = await ControllerProcess.StartAsync(InventoryConnectionString, new Dictionary<string, string>(ControllerSettings) { ["Security:AllowGetDeletes"] = "true" });
        var keyed = new KeyedClient(legacy.RestUrl, legacy.Token);
        var volumeId = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("gone"), volume_size = 1 })).Ok().GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        var key = NewKey();
        var deleted = await keyed.GetAsync($"/api/v1/volume/delete?volume_id={volumeId}", key);
        Assert.That(deleted.Response.Ok().GetProperty("status").GetString(), Is.EqualTo("deleted"));
        Assert.That(await RbdImageExistsAsync("volumes", volumeId), Is.False);

        var again = await keyed.GetAsync($"/api/v1/volume/delete?volume_id={volumeId}", key);
        Assert.That((again.Replayed, again.Response.Body), Is.EqualTo((true, deleted.Response.Body)), "the answer of the delete, not 'not found'");
        var unkeyed = await keyed.GetAsync($"/api/v1/volume/delete?volume_id={volumeId}", null);
        AssertRefused(unkeyed, HttpStatusCode.NotFound, 40402);
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM tasks WHERE resource_id = @id AND kind = 'volume.delete'", ("id", volumeId)), Is.EqualTo(1));
    }

    [Test]
    public async Task A_key_that_breaks_the_rule_is_refused_before_anything_runs()
    {
        var inventory = await InventorySnapshotAsync();
        foreach (var bad in new[] { new string('k', 256), "", "tab\there" })
        {
            var answer = await _keyed.PostAsync("/api/v1/network/create", new { network_interface_name = Unique("bad") }, bad);
            AssertRefused(answer, HttpStatusCode.BadRequest, 40001);
            var error = answer.Response.Data.GetProperty("errors")[0];
            Assert.That(error.GetProperty("field").GetString(), Is.EqualTo("Idempotency-Key"));
            Assert.That(error.GetProperty("message").GetString(), Does.Contain("1 to 255 printable ASCII"));
        }
        // The driver center's calls take it too, with the same envelope.
        var thor = await _keyed.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/thor/voi/driver") { Content = System.Net.Http.Json.JsonContent.Create(new { id = 1, name = "x" }) }, "");
        AssertRefused(thor, HttpStatusCode.BadRequest, 40001);
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(inventory));
        // Reads ignore it: they change nothing to repeat.
        Assert.That((await _keyed.GetAsync("/api/v1/volume/list", "")).Response.Code, Is.Zero);
    }

    [Test]
    public async Task A_key_expires_after_its_retention_and_is_cleaned_up_then_it_is_a_new_request()
    {
        var key = NewKey();
        var name = Unique("ttl");
        var first = (await _keyed.PostAsync("/api/v1/network/create", new { network_interface_name = name }, key)).Response.Ok().GetProperty("network_interface_id").GetString()!;
        OnCleanUp(() => Api.PostAsync("/api/v1/network/delete", new { network_interface_id = first }));
        var retention = await ScalarAsync<TimeSpan>("SELECT expires_at - created_at FROM idempotency_keys WHERE key = @key", ("key", key));
        Assert.That(retention, Is.EqualTo(TimeSpan.FromHours(1)), "Idempotency:Retention");

        await ExecuteAsync("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = @key", ("key", key));
        await Eventually.HoldsAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE key = @key", ("key", key)) == 0,
            TimeSpan.FromSeconds(30), "the clean-up deleted the expired key");
        var second = await _keyed.PostAsync("/api/v1/network/create", new { network_interface_name = name }, key);
        var secondId = second.Response.Ok().GetProperty("network_interface_id").GetString()!;
        OnCleanUp(() => Api.PostAsync("/api/v1/network/delete", new { network_interface_id = secondId }));
        Assert.That((second.Replayed, secondId), Is.Not.EqualTo((true, first)), "a new request after the retention");
    }

    [Test]
    public async Task The_repeat_of_a_call_whose_answer_holds_a_secret_is_told_where_to_check()
    {
        var key = NewKey();
        var mac = $"52:54:00:{Random.Shared.Next(256):x2}:{Random.Shared.Next(256):x2}:{Random.Shared.Next(256):x2}";
        var registered = (await _keyed.PostAsync("/thor/voi/terminal/register", new { name = Unique("t"), mac }, key)).Response.Ok();
        var terminalId = registered.GetProperty("terminal_id").GetInt64();
        OnCleanUp(() => Api.PostAsync("/thor/voi/terminal", new { action = "delete", ids = new[] { terminalId } }));
        var token = registered.GetProperty("token").GetString()!;

        var again = await _keyed.PostAsync("/thor/voi/terminal/register", new { name = registered.GetProperty("name").GetString(), mac }, key);
        AssertRefused(again, HttpStatusCode.Conflict, 40916);
        Assert.That(again.Replayed, Is.True);
        Assert.That(again.Response.Data.GetProperty("resource_id").GetString(), Is.EqualTo($"terminal-{terminalId}"));
        Assert.That(again.Response.Body, Does.Not.Contain(token));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE key = @key AND state = 'committed' AND response IS NULL", ("key", key)), Is.EqualTo(1),
            "the token is kept nowhere in the clear");
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM terminals WHERE mac = @mac::macaddr", ("mac", mac)), Is.EqualTo(1));
    }

    [Test]
    public async Task A_key_held_by_a_request_that_died_is_taken_over_but_one_whose_change_committed_is_not()
    {
        // What another controller left: it claimed the key and died (its lease runs out), or died after its commit.
        var name = Unique("held");
        // The hash of a network/create request line, as a first request records it.
        var sample = NewKey();
        var sampled = (await _keyed.PostAsync("/api/v1/network/create", new { network_interface_name = Unique("sample") }, sample)).Response.Ok().GetProperty("network_interface_id").GetString()!;
        OnCleanUp(() => Api.PostAsync("/api/v1/network/delete", new { network_interface_id = sampled }));
        var head = (await ScalarAsync<string>("SELECT request_hash FROM idempotency_keys WHERE key = @key", ("key", sample)))!;
        // Keys are the signed-in user's: the rows below are this client's user's.
        var scope = (await ScalarAsync<string>("SELECT scope FROM idempotency_keys WHERE key = @key", ("key", sample)))!;
        var held = NewKey();
        await ExecuteAsync(
            """
            INSERT INTO idempotency_keys (scope, key, request_hash, state, token, owner, lease_until, expires_at)
            VALUES (@scope, @key, @head, 'in_progress', 'gone', 'another-controller', now() + interval '1 hour', now() + interval '1 hour')
            """, ("scope", scope), ("key", held), ("head", head));
        var waiting = await _keyed.PostAsync("/api/v1/network/create", new { network_interface_name = name }, held);
        AssertRefused(waiting, HttpStatusCode.Conflict, 40915);
        await ExecuteAsync("UPDATE idempotency_keys SET lease_until = now() - interval '1 second' WHERE key = @key", ("key", held));
        var ran = await _keyed.PostAsync("/api/v1/network/create", new { network_interface_name = name }, held);
        var nicId = ran.Response.Ok().GetProperty("network_interface_id").GetString()!;
        OnCleanUp(() => Api.PostAsync("/api/v1/network/delete", new { network_interface_id = nicId }));
        Assert.That(ran.Replayed, Is.False, "taken over and run");
        Assert.That(await KeyRecordAsync(held), Is.EqualTo(("completed", nicId, (string?)null)));

        var committed = NewKey();
        await ExecuteAsync(
            """
            INSERT INTO idempotency_keys (scope, key, request_hash, state, token, owner, lease_until, expires_at, resource_id, committed_at)
            VALUES (@scope, @key, @head, 'committed', 'gone', 'another-controller', now() - interval '1 second', now() + interval '1 hour', 'nic-0d0d0d0d', now())
            """, ("scope", scope), ("key", committed), ("head", head));
        var other = Unique("kept");
        var told = await _keyed.PostAsync("/api/v1/network/create", new { network_interface_name = other }, committed);
        AssertRefused(told, HttpStatusCode.Conflict, 40916);
        Assert.That(told.Response.Data.GetProperty("resource_id").GetString(), Is.EqualTo("nic-0d0d0d0d"));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM network_interfaces WHERE nic_name = @name", ("name", other)), Is.Zero, "not run again");
    }

    private async Task<(string?, string?, string?)> KeyRecordAsync(string key)
    {
        await using var command = Database.CreateCommand("SELECT state, resource_id, task_id FROM idempotency_keys WHERE key = @key");
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True, $"a record of key {key}");
        return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    private static string NewKey() => Guid.NewGuid().ToString();

    private static void AssertRefused(KeyedAnswer answer, HttpStatusCode status, int code) =>
        Assert.That((answer.Response.Status, answer.Response.Code), Is.EqualTo((status, code)), answer.ToString());
}

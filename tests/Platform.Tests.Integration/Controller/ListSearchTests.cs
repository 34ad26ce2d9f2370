using System.Text.Json;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// The list endpoints' name filter and totals as the console sees them: substrings in any case
/// and script, each resource once, renames and deletes followed, filters combined, and a total
/// that equals count(*) also without a filter and on a page past the end. The rows are written
/// with SQL into this fixture's own database (no libvirtd has them).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ListSearchTests : ControllerTestBase
{
    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Reconciliation:Interval"] = "01:00:00" };

    [Test]
    public async Task Name_filter_matches_substrings_in_any_case_and_script_and_lists_each_instance_once()
    {
        var tag = Unique("Tag");
        var web = await NamedInstanceAsync($"web-{tag}", "running");
        var twice = await NamedInstanceAsync($"{tag.ToLowerInvariant()}-{tag.ToUpperInvariant()}", "stopped");
        var upper = await NamedInstanceAsync($"{tag.ToUpperInvariant()}BET", "running");
        var japanese = await NamedInstanceAsync($"サーバー{tag}", "running");
        var literal = await NamedInstanceAsync($"odd_{tag}%name", "running");
        await NamedInstanceAsync(Unique("unrelated"), "running");

        Assert.That(await SearchIdsAsync(("filter_name", tag)), Is.EquivalentTo(new[] { web, twice, upper, japanese, literal }));
        Assert.That(await SearchIdsAsync(("filter_name", tag.ToUpperInvariant()[2..])), Is.EquivalentTo(new[] { web, twice, upper, japanese, literal }));
        Assert.That(await SearchIdsAsync(("filter_name", "サーバー" + tag[..5])), Is.EqualTo(new[] { japanese }));
        Assert.That(await SearchIdsAsync(("filter_name", $"_{tag}%")), Is.EqualTo(new[] { literal }), "% and _ are plain characters, not wildcards");
        Assert.That(await SearchIdsAsync(("filter_name", tag + "BETX")), Is.Empty);

        // Combined with an equality filter: the intersection, and the total counts it.
        var stopped = (await Api.GetAsync("/api/v1/instance/search", ("filter_name", tag), ("status", "stopped"))).Ok();
        Assert.That(stopped.GetProperty("total").GetInt64(), Is.EqualTo(1));
        Assert.That(Ids(stopped), Is.EqualTo(new[] { twice }));
    }

    [Test]
    public async Task Renamed_and_deleted_instances_leave_the_name_search()
    {
        var tag = Unique("Ren");
        var renamed = await NamedInstanceAsync($"before-{tag}", "running");
        var deleted = await NamedInstanceAsync($"gone-{tag}", "running");
        Assert.That(await SearchIdsAsync(("filter_name", tag)), Is.EquivalentTo(new[] { renamed, deleted }));

        var other = Unique("Other");
        await ExecuteAsync("UPDATE instances SET instance_name = @n WHERE instance_id = @i", ("n", $"after-{other}"), ("i", renamed));
        await ExecuteAsync("DELETE FROM instances WHERE instance_id = @i", ("i", deleted));

        Assert.That(await SearchIdsAsync(("filter_name", tag)), Is.Empty);
        Assert.That(await SearchIdsAsync(("filter_name", "after-" + other)), Is.EqualTo(new[] { renamed }));
        // A status change (most updates) leaves the name where it was.
        await ExecuteAsync("UPDATE instances SET status = 'stopped' WHERE instance_id = @i", ("i", renamed));
        Assert.That(await SearchIdsAsync(("filter_name", other)), Is.EqualTo(new[] { renamed }));
    }

    [Test]
    public async Task Unfiltered_totals_equal_count_through_inserts_and_deletes()
    {
        for (var round = 0; round < 3; round++)
        {
            await NamedInstanceAsync(Unique("count"), "running");
            var second = await NamedInstanceAsync(Unique("count"), "running");
            if (round == 1)
            {
                await ExecuteAsync("DELETE FROM instances WHERE instance_id = @i", ("i", second));
            }
            var list = (await Api.GetAsync("/api/v1/instance/list", ("page_num", "1"), ("page_size", "5"))).Ok();
            Assert.That(list.GetProperty("total").GetInt64(), Is.EqualTo(await CountAsync("instances")));
        }
        var volumes = (await Api.GetAsync("/api/v1/volume/list")).Ok();
        Assert.That(volumes.GetProperty("total").GetInt64(), Is.EqualTo(await CountAsync("volumes")));
        var nics = (await Api.GetAsync("/api/v1/network/list")).Ok();
        Assert.That(nics.GetProperty("total").GetInt64(), Is.EqualTo(await CountAsync("network_interfaces")));
    }

    [Test]
    public async Task A_page_past_the_end_is_empty_and_still_reports_the_total()
    {
        var tag = Unique("Past");
        for (var i = 0; i < 3; i++)
        {
            await NamedInstanceAsync($"{tag}-{i}", "running");
        }
        var filtered = (await Api.GetAsync("/api/v1/instance/search", ("filter_name", tag), ("page_num", "9"), ("page_size", "2"))).Ok();
        Assert.That(filtered.GetProperty("items").GetArrayLength(), Is.Zero);
        Assert.That(filtered.GetProperty("total").GetInt64(), Is.EqualTo(3));

        var all = (await Api.GetAsync("/api/v1/instance/list", ("page_num", "100000"), ("page_size", "100"))).Ok();
        Assert.That(all.GetProperty("items").GetArrayLength(), Is.Zero);
        Assert.That(all.GetProperty("total").GetInt64(), Is.EqualTo(await CountAsync("instances")));

        var second = (await Api.GetAsync("/api/v1/instance/search", ("filter_name", tag), ("page_num", "2"), ("page_size", "2"))).Ok();
        Assert.That(Ids(second), Has.Count.EqualTo(1), "3 matches, 2 per page: one on the second");
    }

    [Test]
    public async Task Volume_and_nic_name_filters_match_substrings_in_any_case()
    {
        var tag = Unique("Vol");
        var volume = "vol-" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync("INSERT INTO volumes (volume_id, volume_name, volume_size, status) VALUES (@id, @n, 1, 'available')",
            ("id", volume), ("n", $"Data-{tag.ToUpperInvariant()}"));
        var list = (await Api.GetAsync("/api/v1/volume/list", ("filter_name", tag.ToLowerInvariant()))).Ok();
        Assert.That(list.GetProperty("total").GetInt64(), Is.EqualTo(1));
        Assert.That(list.GetProperty("items")[0].GetProperty("volume_id").GetString(), Is.EqualTo(volume));

        var nicName = Unique("Nic");
        var nic = (await Api.PostAsync("/api/v1/network/create", new { nic_name = nicName })).Ok().GetProperty("network_interface_id").GetString();
        var nics = (await Api.GetAsync("/api/v1/network/search", ("filter_name", nicName.ToUpperInvariant()[1..]))).Ok();
        Assert.That(nics.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("network_interface_id").GetString()), Is.EqualTo(new[] { nic }));
    }

    private async Task<string> NamedInstanceAsync(string name, string status)
    {
        var id = await InsertInstanceAsync(status);
        await ExecuteAsync("UPDATE instances SET instance_name = @n WHERE instance_id = @i", ("n", name), ("i", id));
        return id;
    }

    private async Task<List<string?>> SearchIdsAsync(params (string Name, string Value)[] query)
    {
        var page = (await Api.GetAsync("/api/v1/instance/search", [.. query, ("page_size", "100")])).Ok();
        var ids = Ids(page);
        Assert.That(page.GetProperty("total").GetInt64(), Is.EqualTo(ids.Count), "the total counts each instance once");
        return ids;
    }

    private static List<string?> Ids(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("instance_id").GetString()).ToList();
}

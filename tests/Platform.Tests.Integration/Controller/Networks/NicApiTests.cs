using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Platform.Tests.Integration.Controller.Networks;

/// <summary>
/// /api/v1/network/* through REST against a private controller: validation, allocation of
/// unique MACs and the lowest free addresses (also under concurrent creates), list/search,
/// and the refusals, checked with SQL.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class NicApiTests : ControllerTestBase
{
    // Some tests write instances straight into the inventory that no libvirtd has: reconciliation
    // would rightly mark them error, so it is kept out of the way here (its own tests cover it).
    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Reconciliation:Interval"] = "01:00:00" };

    [Test]
    public async Task Invalid_requests_answer_every_problem_at_once_and_create_nothing()
    {
        var before = await InventorySnapshotAsync();
        var cases = new (string Path, object Body, string[] Fields)[]
        {
            ("/api/v1/network/create", new { }, ["network_interface_name"]),
            ("/api/v1/network/create", new { nic_name = "eth0; rm -rf /", describe = 5 }, ["nic_name", "describe"]),
            ("/api/v1/network/create", new { nic_name = "' OR 1=1 --" }, ["nic_name"]),
            ("/api/v1/network/create", new { nic_name = new string('n', 65) }, ["nic_name"]),
            ("/api/v1/network/create", new { nic_name = " padded" }, ["nic_name"]),
            ("/api/v1/network/attach", new { nic_id = "nic-1", instance_id = "vol-00000000" }, ["nic_id", "instance_id"]),
            ("/api/v1/network/detach", new { }, ["network_interface_id", "instance_id"]),
            ("/api/v1/network/delete", new { nic_id = "NIC-00000000" }, ["nic_id"]),
        };
        foreach (var (path, body, fields) in cases)
        {
            var answer = await Api.PostAsync(path, body);
            Assert.That((answer.Status, answer.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), $"{path}: {answer}");
            var named = answer.Data.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
            Assert.That(named, Is.EquivalentTo(fields), answer.ToString());
        }
        var search = await Api.GetAsync("/api/v1/network/search",
            ("mac", "52:54:00:zz:00:00"), ("ip", "10.200.0"), ("nic_id", "x"), ("instance_id", "i-1"), ("status", "gone"), ("page_size", "100000"));
        Assert.That((search.Status, search.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), search.ToString());
        Assert.That(search.Data.GetProperty("errors").GetArrayLength(), Is.EqualTo(6), search.ToString());
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Unknown_ids_answer_404()
    {
        var missing = "nic-" + Guid.NewGuid().ToString("N")[..8];
        var delete = await Api.PostFormAsync("/api/v1/network/delete", ("nic_id", missing));
        Assert.That((delete.Status, delete.Code), Is.EqualTo((HttpStatusCode.NotFound, 40403)), delete.ToString());
        var attach = await Api.PostAsync("/api/v1/network/attach", new { nic_id = missing, instance_id = "i-00000000" });
        Assert.That((attach.Status, attach.Code), Is.EqualTo((HttpStatusCode.NotFound, 40403)), attach.ToString());
        var nic = await CreateNicAsync(Unique("eth"));
        var noInstance = await Api.PostAsync("/api/v1/network/attach", new { nic_id = nic.GetProperty("network_interface_id").GetString(), instance_id = "i-00000000" });
        Assert.That((noInstance.Status, noInstance.Code), Is.EqualTo((HttpStatusCode.NotFound, 40404)), noInstance.ToString());
        var detach = await Api.PostAsync("/api/v1/network/detach", new { nic_id = nic.GetProperty("network_interface_id").GetString(), instance_id = "i-00000000" });
        Assert.That((detach.Status, detach.Code), Is.EqualTo((HttpStatusCode.NotFound, 40404)), detach.ToString());
        Assert.That(await ScalarAsync<string>("SELECT status FROM network_interfaces WHERE nic_id = @id", ("id", nic.GetProperty("network_interface_id").GetString()!)), Is.EqualTo("idle"));
    }

    [Test]
    public async Task Create_allocates_the_lowest_free_address_and_a_qemu_mac()
    {
        var a = await CreateNicAsync(Unique("a"));
        var b = await CreateNicAsync(Unique("b"));
        var c = await CreateNicAsync(Unique("c"));
        foreach (var nic in new[] { a, b, c })
        {
            Assert.That(nic.GetProperty("mac").GetString(), Does.Match("^52:54:00(:[0-9a-f]{2}){3}$"));
            Assert.That(nic.GetProperty("status").GetString(), Is.EqualTo("idle"));
            Assert.That(nic.GetProperty("network_id").GetString(), Is.EqualTo("default"));
            Assert.That(nic.GetProperty("ip").GetString(), Does.StartWith(GuestNetwork["PLATFORM_NETWORK_CIDR"].Split('/')[0].TrimEnd('0')));
            Assert.That(nic.GetProperty("attach_time").ValueKind, Is.EqualTo(JsonValueKind.Null));
        }
        // The freed address is the lowest free one again.
        var freed = b.GetProperty("ip").GetString();
        (await Api.PostAsync("/api/v1/network/delete", new { nic_id = b.GetProperty("network_interface_id").GetString() })).Ok();
        var d = await CreateNicAsync(Unique("d"));
        Assert.That(d.GetProperty("ip").GetString(), Is.EqualTo(freed));
        // The range starts at the configured start (x.y.z.10) and never hands out the gateway.
        var all = await ScalarAsync<string[]>("SELECT array_agg(host(ip)) FROM network_interfaces");
        Assert.That(all, Has.None.EqualTo(GuestNetwork["PLATFORM_NETWORK_GATEWAY"]));
        Assert.That(await ScalarAsync<string>("SELECT host(min(ip)) FROM network_interfaces"), Is.EqualTo(GuestNetwork["PLATFORM_NETWORK_RANGE_START"]));
    }

    [Test]
    public async Task Twenty_concurrent_creates_get_twenty_distinct_addresses_and_macs()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Api.PostAsync("/api/v1/network/create", new { nic_name = $"par {tag} {i}" })));
        var nics = answers.Select(a => a.Ok()).ToList();
        Assert.That(nics.Select(n => n.GetProperty("ip").GetString()).Distinct().Count(), Is.EqualTo(20));
        Assert.That(nics.Select(n => n.GetProperty("mac").GetString()).Distinct().Count(), Is.EqualTo(20));
        Assert.That(await ScalarAsync<long>("SELECT count(DISTINCT ip) FROM network_interfaces WHERE nic_name LIKE @p", ("p", $"par {tag} %")), Is.EqualTo(20));
        Assert.That(await ScalarAsync<long>("SELECT count(*) - count(DISTINCT ip) FROM network_interfaces"), Is.Zero);
        Assert.That(await ScalarAsync<long>("SELECT count(*) - count(DISTINCT mac) FROM network_interfaces"), Is.Zero);
    }

    [Test]
    public async Task List_and_search_filter_and_page()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var nics = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            nics.Add(await CreateNicAsync($"Search {tag} {i}"));
        }
        var page = (await Api.GetAsync("/api/v1/network/list", ("filter_name", $"search {tag.ToUpperInvariant()}"), ("page_size", "2"), ("page_num", "2"))).Ok();
        Assert.That(page.GetProperty("total").GetInt64(), Is.EqualTo(3));
        Assert.That(page.GetProperty("page_num").GetInt32(), Is.EqualTo(2));
        Assert.That(page.GetProperty("items").GetArrayLength(), Is.EqualTo(1));
        var item = page.GetProperty("items")[0];
        foreach (var field in new[] { "network_interface_id", "network_interface_name", "mac", "ip", "status", "instance_id", "instance_name", "attach_time", "create_time", "describe", "network_id" })
        {
            Assert.That(item.TryGetProperty(field, out _), Is.True, $"{field} in {item}");
        }

        var target = nics[1];
        foreach (var (name, value) in new[]
        {
            ("nic_id", target.GetProperty("network_interface_id").GetString()!),
            ("mac", target.GetProperty("mac").GetString()!.ToUpperInvariant()),
            ("ip", target.GetProperty("ip").GetString()!),
        })
        {
            var found = (await Api.GetAsync("/api/v1/network/search", (name, value))).Ok();
            Assert.That(found.GetProperty("total").GetInt64(), Is.EqualTo(1), $"{name}={value}");
            Assert.That(found.GetProperty("items")[0].GetProperty("network_interface_id").GetString(), Is.EqualTo(target.GetProperty("network_interface_id").GetString()));
        }
        var idle = (await Api.GetAsync("/api/v1/network/search", ("status", "idle"), ("filter_name", tag))).Ok();
        Assert.That(idle.GetProperty("total").GetInt64(), Is.EqualTo(3));
        var attached = (await Api.GetAsync("/api/v1/network/search", ("status", "attached"), ("filter_name", tag))).Ok();
        Assert.That(attached.GetProperty("total").GetInt64(), Is.Zero);
    }

    [Test]
    public async Task Attached_nics_are_not_deleted_or_attached_twice()
    {
        var instanceId = await InsertInstanceAsync("running");
        var nic = await CreateNicAsync(Unique("att"));
        var nicId = nic.GetProperty("network_interface_id").GetString()!;
        await ExecuteAsync("UPDATE network_interfaces SET status = 'attached', instance_id = @i, attach_time = now() WHERE nic_id = @n", ("i", instanceId), ("n", nicId));

        var refused = await Api.PostAsync("/api/v1/network/delete", new { nic_id = nicId });
        Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.Conflict, 40903)), refused.ToString());
        var twice = await Api.PostAsync("/api/v1/network/attach", new { nic_id = nicId, instance_id = instanceId });
        Assert.That((twice.Status, twice.Code), Is.EqualTo((HttpStatusCode.Conflict, 40903)), twice.ToString());
        var wrongInstance = await InsertInstanceAsync("running");
        var detachElsewhere = await Api.PostAsync("/api/v1/network/detach", new { nic_id = nicId, instance_id = wrongInstance });
        Assert.That((detachElsewhere.Status, detachElsewhere.Code), Is.EqualTo((HttpStatusCode.Conflict, 40904)), detachElsewhere.ToString());

        // The instance's name shows in the list; search by instance finds it.
        var byInstance = (await Api.GetAsync("/api/v1/network/search", ("instance_id", instanceId))).Ok();
        Assert.That(byInstance.GetProperty("total").GetInt64(), Is.EqualTo(1));
        var row = byInstance.GetProperty("items")[0];
        Assert.That(row.GetProperty("instance_name").GetString(), Is.EqualTo("sql"));
        Assert.That(row.GetProperty("attach_time").GetInt64(), Is.GreaterThan(0));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM network_interfaces WHERE nic_id = @n", ("n", nicId)), Is.EqualTo(1));

        await ExecuteAsync("UPDATE network_interfaces SET status = 'idle', instance_id = NULL, attach_time = NULL WHERE nic_id = @n", ("n", nicId));
        (await Api.PostFormAsync("/api/v1/network/delete", ("nic_id", nicId))).Ok();
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM network_interfaces WHERE nic_id = @n", ("n", nicId)), Is.Zero);
    }

    private async Task<JsonElement> CreateNicAsync(string name)
    {
        var nic = (await Api.PostAsync("/api/v1/network/create", new { nic_name = name, describe = "test" })).Ok();
        Assert.That(Regex.IsMatch(nic.GetProperty("network_interface_id").GetString()!, "^nic-[0-9a-f]{8}$"), Is.True, nic.ToString());
        return nic;
    }
}

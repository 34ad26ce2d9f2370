using System.Net;
using System.Text.Json;

namespace Platform.Tests.Integration.Controller.Seed;

/// <summary>
/// The seed's field names for network interfaces (nic_* still read as aliases), the instance
/// detail with every column of the seed's four queries, and the envelope for a wrong method
/// (405) and for paths in another spelling (404).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SeedInterfaceTests : ControllerTestBase
{
    private static readonly string[] NicFields = ["network_interface_id", "network_interface_name", "instance_id", "ip", "mac", "status", "create_time"];

    [Test]
    public async Task Network_interfaces_use_the_seeds_field_names_and_read_the_nic_aliases()
    {
        var created = (await Api.PostAsync("/api/v1/network/create", new { network_interface_name = Unique("seed"), describe = "seed names" })).Ok();
        AssertSeedNames(created);
        var nicId = created.GetProperty("network_interface_id").GetString()!;
        var aliased = (await Api.PostFormAsync("/api/v1/network/create", ("nic_name", Unique("alias")))).Ok();
        AssertSeedNames(aliased);
        var aliasId = aliased.GetProperty("network_interface_id").GetString()!;

        foreach (var (field, value) in new[] { ("network_interface_id", nicId), ("nic_id", nicId) })
        {
            var found = (await Api.GetAsync("/api/v1/network/search", (field, value))).Ok();
            Assert.That(found.GetProperty("total").GetInt64(), Is.EqualTo(1), field);
            AssertSeedNames(found.GetProperty("items")[0]);
        }
        var listed = (await Api.GetAsync("/api/v1/network/list", ("filter_name", created.GetProperty("network_interface_name").GetString()!))).Ok();
        AssertSeedNames(listed.GetProperty("items")[0]);

        // Errors name the field as the caller sent it; both spellings with different values is an error.
        var before = await InventorySnapshotAsync();
        var missing = await Api.PostAsync("/api/v1/network/create", new { });
        Assert.That(missing.Data.GetProperty("errors")[0].GetProperty("field").GetString(), Is.EqualTo("network_interface_name"), missing.ToString());
        var badAlias = await Api.PostAsync("/api/v1/network/delete", new { nic_id = "NIC-1" });
        Assert.That(badAlias.Data.GetProperty("errors")[0].GetProperty("field").GetString(), Is.EqualTo("nic_id"), badAlias.ToString());
        var both = await Api.PostAsync("/api/v1/network/delete", new { network_interface_id = nicId, nic_id = aliasId });
        Assert.That((both.Status, both.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), both.ToString());
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));

        AssertSeedNames((await Api.PostAsync("/api/v1/network/delete", new { network_interface_id = nicId })).Ok());
        (await Api.PostFormAsync("/api/v1/network/delete", ("nic_id", aliasId))).Ok();
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM network_interfaces WHERE nic_id = ANY(@ids)", ("ids", new[] { nicId, aliasId })), Is.Zero);
    }

    [Test]
    public async Task Instance_detail_returns_every_column_of_the_seeds_four_queries()
    {
        var imageId = await BlankImageAsync();
        var existing = (await Api.PostAsync("/api/v1/network/create", new { nic_name = Unique("kept") })).Ok().GetProperty("network_interface_id").GetString()!;
        var created = (await Api.PostAsync("/api/v1/instance/create", new
        {
            instance_name = Unique("detail"),
            image_id = imageId,
            cpu = 1,
            memory = 64,
            describe = "seed detail",
            data_volumes = new[] { new { volume_name = "data", volume_size = 1, describe = "data disk" } },
            nics = new object[] { new { network_interface_name = "eth0" }, new { nic_name = "eth1" } },
            network_interface_ids = new[] { existing },
        })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        var done = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("succeeded"), done.ToString());

        var detail = (await Api.GetAsync("/api/v1/instance/detail", ("instance_id", instanceId))).Ok();
        var instance = detail.GetProperty("instance");
        foreach (var field in new[] { "instance_name", "status", "ip", "host_ip", "cpu", "memory", "describe", "create_time", "image_id" })
        {
            Assert.That(instance.TryGetProperty(field, out _), Is.True, $"instance.{field} in {instance}");
        }
        Assert.That(instance.GetProperty("describe").GetString(), Is.EqualTo("seed detail"));

        var image = detail.GetProperty("image");
        Assert.That(image.GetProperty("image_location").GetString(), Is.EqualTo($"rbd:images/{imageId}"));
        Assert.That(image.GetProperty("image_size").GetInt64(), Is.EqualTo(16L << 20));
        Assert.That(image.GetProperty("create_time").GetInt64(), Is.GreaterThan(0));
        Assert.That(image.TryGetProperty("image_name", out _) && image.TryGetProperty("describe", out _), Is.True, image.ToString());

        var volumes = detail.GetProperty("volumes").EnumerateArray().ToList();
        Assert.That(volumes, Has.Count.EqualTo(2));
        foreach (var volume in volumes)
        {
            Assert.That(volume.GetProperty("instance_id").GetString(), Is.EqualTo(instanceId));
            Assert.That(volume.GetProperty("create_time").GetInt64(), Is.GreaterThan(0), volume.ToString());
            Assert.That(volume.TryGetProperty("volume_name", out _) && volume.TryGetProperty("volume_size", out _), Is.True, volume.ToString());
        }
        Assert.That(volumes.Single(v => !v.GetProperty("is_boot").GetBoolean()).GetProperty("describe").GetString(), Is.EqualTo("data disk"));

        var nics = detail.GetProperty("nics").EnumerateArray().ToList();
        Assert.That(nics.Select(n => n.GetProperty("network_interface_name").GetString()), Is.SupersetOf(new[] { "eth0", "eth1" }));
        Assert.That(nics.Select(n => n.GetProperty("network_interface_id").GetString()), Does.Contain(existing));
        foreach (var nic in nics)
        {
            AssertSeedNames(nic);
            Assert.That(nic.GetProperty("instance_id").GetString(), Is.EqualTo(instanceId));
            Assert.That(nic.GetProperty("create_time").GetInt64(), Is.GreaterThan(0));
            Assert.That(nic.GetProperty("status").GetString(), Is.EqualTo("attached"));
        }
        var listed = (await Api.GetAsync("/api/v1/instance/search", ("instance_id", instanceId))).Ok().GetProperty("items")[0];
        AssertSeedNames(listed.GetProperty("nics")[0]);

        var destroy = (await Api.PostAsync("/api/v1/instance/destory", new { instance_id = instanceId })).Ok();
        var gone = await WaitForTaskAsync(instanceId, destroy.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(gone.GetProperty("state").GetString(), Is.EqualTo("succeeded"), gone.ToString());
    }

    [Test]
    public async Task A_known_path_with_another_method_is_405_and_other_spellings_are_unknown_paths()
    {
        var before = await InventorySnapshotAsync();
        foreach (var (method, path, allow) in new[]
        {
            (HttpMethod.Get, "/api/v1/images/create", "POST"),
            (HttpMethod.Post, "/api/v1/images/list", "GET"),
            (HttpMethod.Delete, "/api/v1/instance/destory", "POST"),
            (HttpMethod.Put, "/api/v1/network/delete", "POST"),
            (HttpMethod.Post, "/api/v1/unregister_images/list", "GET"),
        })
        {
            var response = await Api.SendAsync(method, path, method == HttpMethod.Get || method == HttpMethod.Delete ? null : new { image_name = "x" });
            Assert.That((response.Status, response.Code), Is.EqualTo((HttpStatusCode.MethodNotAllowed, 40500)), $"{method} {path}: {response}");
            Assert.That(response.Allow, Is.EqualTo(allow), $"{method} {path}");
            Assert.That(response.Message, Does.Contain(path));
        }
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/API/V1/images/list"),
            (HttpMethod.Get, "/api/v1/Images/List"),
            (HttpMethod.Get, "/Api/v1/volume/list"),
            (HttpMethod.Post, "/api/V1/images/create"),
            (HttpMethod.Post, "/API/v1/network/create"),
            (HttpMethod.Get, "/API/nothing/here"),
        })
        {
            var response = await Api.SendAsync(method, path, method == HttpMethod.Post ? new { image_name = "x", image_size = 16 << 20, os_type = "Linux", nic_name = "x" } : null);
            Assert.That((response.Status, response.Code), Is.EqualTo((HttpStatusCode.NotFound, 40400)), $"{method} {path}: {response}");
            Assert.That(response.Message, Does.Contain(path));
        }
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before), "no spelling of a path reached an endpoint");
        (await Api.GetAsync("/api/v1/images/list/")).Ok();
    }

    private static void AssertSeedNames(JsonElement nic)
    {
        foreach (var field in NicFields)
        {
            Assert.That(nic.TryGetProperty(field, out _), Is.True, $"{field} in {nic}");
        }
        Assert.That(nic.TryGetProperty("nic_id", out _) || nic.TryGetProperty("nic_name", out _), Is.False, $"answers use the seed's names only: {nic}");
    }
}

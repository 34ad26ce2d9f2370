using System.Net;
using System.Text.Json;

namespace Platform.Tests.Integration.Controller.Seed;

/// <summary>
/// Images as the seed has them: RBD images an operator made in pool images under their own names
/// (the seed's ami-AB112345, win10-golden) are offered by unregister_images/list and registered
/// under those names; names the platform refuses are listed apart with the reason; os_type
/// Window; and sizes past the limit the agent shares with the REST facade are refused before
/// anything is stored.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SeedImageTests : ControllerTestBase
{
    private const long Mib = 1L << 20;
    private const long MaxImageBytes = 16L << 40;
    private const int MaxVolumeGiB = 16384;

    [Test]
    public async Task Images_named_as_the_seed_names_them_are_offered_and_registered_under_those_names()
    {
        string[] seedNames = ["ami-AB112345", "win10-golden"];
        string[] refusedNames = ["bad name", "x;y"];
        foreach (var name in seedNames.Concat(refusedNames))
        {
            await RemoveRbdImageAsync("images", name);
            await Rbd("create", "--size", "16M", $"images/{name}");
            OnCleanUp(() => RemoveRbdImageAsync("images", name));
        }

        var offered = (await Api.GetAsync("/api/v1/unregister_images/list", ("page_size", "1000"))).Ok();
        var items = offered.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("image_id").GetString()).ToList();
        Assert.That(items, Is.SupersetOf(seedNames), offered.ToString());
        Assert.That(items, Has.None.AnyOf(refusedNames), "a name images/register refuses is not offered");
        var refused = offered.GetProperty("not_registrable").EnumerateArray().ToDictionary(i => i.GetProperty("image_id").GetString()!, i => i.GetProperty("reason").GetString()!);
        foreach (var name in refusedNames)
        {
            Assert.That(refused, Does.ContainKey(name), offered.ToString());
            Assert.That(refused[name], Does.Contain("letters, digits"), "the reason names the rule");
        }

        // Every offered name registers, keeping its name as the image id; the seed's "Window" is Windows.
        var windows = (await Api.PostAsync("/api/v1/images/register",
            new { image_id = "ami-AB112345", image_name = "seed example", os_type = "Window", image_size = 2L << 30, describe = "from the seed" })).Ok();
        Assert.That(windows.GetProperty("image_id").GetString(), Is.EqualTo("ami-AB112345"));
        Assert.That(windows.GetProperty("os_type").GetString(), Is.EqualTo("Windows"));
        Assert.That(windows.GetProperty("image_size").GetInt64(), Is.EqualTo(16 * Mib), "the size of record is the RBD image's own");
        Assert.That(windows.GetProperty("image_location").GetString(), Is.EqualTo("rbd:images/ami-AB112345"));
        var golden = (await Api.PostFormAsync("/api/v1/images/register",
            ("image_id", "win10-golden"), ("image_name", "Windows 10 golden"), ("os_type", "Windows"))).Ok();
        Assert.That(golden.GetProperty("image_id").GetString(), Is.EqualTo("win10-golden"));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM images WHERE image_id = ANY(@ids)", ("ids", seedNames)), Is.EqualTo(2));

        var after = (await Api.GetAsync("/api/v1/unregister_images/list", ("page_size", "1000"))).Ok();
        Assert.That(after.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("image_id").GetString()), Has.None.AnyOf(seedNames));

        // The names work wherever an image id is taken.
        var inspected = (await Api.GetAsync("/api/v1/images/inspect", ("image_id", "win10-golden"))).Ok();
        Assert.That(inspected.GetProperty("image_name").GetString(), Is.EqualTo("Windows 10 golden"));
        var updated = (await Api.PostAsync("/api/v1/images/update", new { image_id = "win10-golden", os_type = "window" })).Ok();
        Assert.That(updated.GetProperty("os_type").GetString(), Is.EqualTo("Windows"));
        var volume = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("golden"), volume_size = 1, image_id = "win10-golden" })).Ok();
        var volumeId = volume.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        Assert.That(volume.GetProperty("status").GetString(), Is.EqualTo("available"), volume.ToString());
        Assert.That(volume.GetProperty("image_id").GetString(), Is.EqualTo("win10-golden"));
        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId })).Ok();
        foreach (var name in seedNames)
        {
            (await Api.PostAsync("/api/v1/images/delete", new { image_id = name, del_file = true })).Ok();
            Assert.That(await RbdImageExistsAsync("images", name), Is.False, $"{name} removed from the pool");
        }
    }

    [Test]
    public async Task Names_the_platform_refuses_are_not_registered_and_change_nothing()
    {
        await RemoveRbdImageAsync("images", "bad name");
        await Rbd("create", "--size", "16M", "images/bad name");
        OnCleanUp(() => RemoveRbdImageAsync("images", "bad name"));
        var before = await InventorySnapshotAsync();
        foreach (var name in new[] { "bad name", "x;y", "-dash", ".hidden", "ümlaut", new string('a', 96) })
        {
            var response = await Api.PostAsync("/api/v1/images/register", new { image_id = name, image_name = "refused", os_type = "Linux" });
            Assert.That((response.Status, response.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), $"{name}: {response}");
            Assert.That(response.Data.GetProperty("errors")[0].GetProperty("field").GetString(), Is.EqualTo("image_id"));
        }
        var os = await Api.PostAsync("/api/v1/images/create", new { image_name = "os", image_size = 16 * Mib, os_type = "Win" });
        Assert.That((os.Status, os.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), os.ToString());
        Assert.That(os.Message, Does.Contain("Linux, Windows").And.Contain("Window is read as Windows"));
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));
        Assert.That(await RbdImageExistsAsync("images", "bad name"), Is.True, "a refused registration leaves the RBD image alone");
    }

    [Test]
    public async Task Sizes_past_the_shared_limit_are_refused_with_40001_and_nothing_is_stored()
    {
        var imageId = await BlankImageAsync();
        var before = await InventorySnapshotAsync();
        var poolsBefore = (await Rbd("ls", "images")) + (await Rbd("ls", "volumes"));
        var cases = new (string Path, object Body, string[] Fields)[]
        {
            ("/api/v1/images/create", new { image_name = "huge", image_size = MaxImageBytes + 1, os_type = "Linux" }, ["image_size"]),
            ("/api/v1/volume/create", new { volume_name = "huge", volume_size = MaxVolumeGiB + 1 }, ["volume_size"]),
            ("/api/v1/volume/create", new { volume_name = "huge", volume_size = 65536 }, ["volume_size"]),
            ("/api/v1/volume/create", new { volume_name = "huge", volume_size = MaxVolumeGiB + 1, image_id = imageId }, ["volume_size"]),
            ("/api/v1/instance/create", new
            {
                instance_name = "huge", image_id = imageId, cpu = 1, memory = 64, boot_volume_size = MaxVolumeGiB + 1,
                data_volumes = new[] { new { volume_name = "d", volume_size = 65536 } },
            }, ["boot_volume_size", "data_volumes[0].volume_size"]),
        };
        foreach (var (path, body, fields) in cases)
        {
            var response = await Api.PostAsync(path, body);
            Assert.That((response.Status, response.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), $"{path}: {response}");
            Assert.That(response.Data.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()), Is.EquivalentTo(fields), response.ToString());
            Assert.That(response.Message, Does.Contain(fields[0].StartsWith("image", StringComparison.Ordinal) ? $"{MaxImageBytes}" : $"{MaxVolumeGiB}"), response.ToString());
        }
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));
        Assert.That((await Rbd("ls", "images")) + (await Rbd("ls", "volumes")), Is.EqualTo(poolsBefore), "nothing reached Ceph");
        Assert.That(await ScalarAsync<long>("SELECT (SELECT count(*) FROM images WHERE status = 'error') + (SELECT count(*) FROM volumes WHERE status = 'error')"), Is.Zero);

        // The limit is the agent's own: exactly 16 TiB is made (thin) and removed.
        var largest = (await Api.PostAsync("/api/v1/images/create", new { image_name = "largest", image_size = MaxImageBytes, os_type = "Linux" })).Ok();
        var largestId = largest.GetProperty("image_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("images", largestId));
        Assert.That(largest.GetProperty("status").GetString(), Is.EqualTo("available"), largest.ToString());
        var info = JsonDocument.Parse(await Rbd("info", "--format", "json", $"images/{largestId}")).RootElement;
        Assert.That(info.GetProperty("size").GetInt64(), Is.EqualTo(MaxImageBytes));
        (await Api.PostAsync("/api/v1/images/delete", new { image_id = largestId, del_file = true })).Ok();
    }
}

using System.Net;
using System.Text.Json;

namespace Platform.Tests.Integration.Controller.Volumes;

/// <summary>
/// /api/v1/volume/* through REST against a private controller and agent on the test Ceph:
/// validation that reports every field and creates nothing, RBD images made and removed, and
/// the refusals (unknown ids, attached, boot volume) checked with SQL and rbd.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class VolumeApiTests : ControllerTestBase
{
    // Some tests write instances straight into the inventory that no libvirtd has: reconciliation
    // would rightly mark them error, so it is kept out of the way here (its own tests cover it).
    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Reconciliation:Interval"] = "01:00:00" };

    [Test]
    public async Task Invalid_creates_answer_every_problem_at_once_and_create_nothing()
    {
        var before = await InventorySnapshotAsync();
        var cases = new (object Body, string[] Fields)[]
        {
            (new { }, ["volume_name", "volume_size"]),
            (new { volume_name = "ok", volume_size = "ten" }, ["volume_size"]),
            (new { volume_name = "ok", volume_size = 16385 }, ["volume_size"]),
            (new { volume_name = "ok", volume_size = 0 }, ["volume_size"]),
            (new { volume_name = "ok", volume_size = long.MaxValue }, ["volume_size"]),
            (new { volume_name = "ok", volume_size = 1.5 }, ["volume_size"]),
            (new { volume_name = "a'; DROP TABLE volumes; --", volume_size = 1 }, ["volume_name"]),
            (new { volume_name = "<script>alert(1)</script>", volume_size = 1, describe = "x\u0000y" }, ["volume_name", "describe"]),
            (new { volume_name = "$(reboot)", volume_size = 1, image_id = "ami XYZ" }, ["volume_name", "image_id"]),
            (new { volume_name = new string('v', 65), volume_size = 1, image_id = 42 }, ["volume_name", "image_id"]),
            (new { volume_name = 7, volume_size = new[] { 1 } }, ["volume_name", "volume_size"]),
        };
        foreach (var (body, fields) in cases)
        {
            var answer = await Api.PostAsync("/api/v1/volume/create", body);
            Assert.That((answer.Status, answer.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), answer.ToString());
            var named = answer.Data.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
            Assert.That(named, Is.EquivalentTo(fields), answer.ToString());
        }
        var form = await Api.PostFormAsync("/api/v1/volume/create", ("volume_name", "bad|name"), ("volume_size", "-1"));
        Assert.That((form.Status, form.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), form.ToString());
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Bad_and_unknown_ids_answer_400_and_404()
    {
        foreach (var (path, body) in new (string, object)[]
        {
            ("/api/v1/volume/mount", new { volume_id = "vol-123", instance_id = "i-00000000" }),
            ("/api/v1/volume/unmount", new { volume_id = "vol-00000000", instance_id = "i-ABCDEF12" }),
            ("/api/v1/volume/delete", new { volume_id = "ami-00000000" }),
            ("/api/v1/volume/mount", new { }),
        })
        {
            var answer = await Api.PostAsync(path, body);
            Assert.That((answer.Status, answer.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), $"{path}: {answer}");
        }
        var missing = "vol-" + Guid.NewGuid().ToString("N")[..8];
        var delete = await Api.PostFormAsync("/api/v1/volume/delete", ("volume_id", missing));
        Assert.That((delete.Status, delete.Code), Is.EqualTo((HttpStatusCode.NotFound, 40402)), delete.ToString());
        var mount = await Api.PostAsync("/api/v1/volume/mount", new { volume_id = missing, instance_id = "i-00000000" });
        Assert.That((mount.Status, mount.Code), Is.EqualTo((HttpStatusCode.NotFound, 40402)), mount.ToString());

        var volumeId = await CreateVolumeAsync(Unique("vol"), 1);
        var noInstance = await Api.PostAsync("/api/v1/volume/mount", new { volume_id = volumeId, instance_id = "i-00000000" });
        Assert.That((noInstance.Status, noInstance.Code), Is.EqualTo((HttpStatusCode.NotFound, 40404)), noInstance.ToString());
        var unknownImage = await Api.PostAsync("/api/v1/volume/create", new { volume_name = "x", volume_size = 1, image_id = "ami-00000000" });
        Assert.That((unknownImage.Status, unknownImage.Code), Is.EqualTo((HttpStatusCode.NotFound, 40401)), unknownImage.ToString());
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", volumeId)), Is.EqualTo("available"));
    }

    [Test]
    public async Task Create_list_filter_page_and_delete()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await CreateVolumeAsync($"Data {tag} {i}", 1 + i));
        }
        // The RBD image exists with the size asked for.
        var info = JsonDocument.Parse(await Rbd("info", "--format", "json", $"volumes/{ids[2]}")).RootElement;
        Assert.That(info.GetProperty("size").GetInt64(), Is.EqualTo(3L << 30));

        var filtered = (await Api.GetAsync("/api/v1/volume/list", ("filter_name", $"DATA {tag.ToUpperInvariant()}"), ("page_size", "2"), ("page_num", "1"))).Ok();
        Assert.That(filtered.GetProperty("total").GetInt64(), Is.EqualTo(3));
        Assert.That(filtered.GetProperty("page_size").GetInt32(), Is.EqualTo(2));
        Assert.That(filtered.GetProperty("items").GetArrayLength(), Is.EqualTo(2));
        var second = (await Api.GetAsync("/api/v1/volume/list", ("filter_name", tag), ("page_size", "2"), ("page_num", "2"))).Ok();
        Assert.That(second.GetProperty("items").GetArrayLength(), Is.EqualTo(1));
        var item = filtered.GetProperty("items")[0];
        foreach (var field in new[] { "volume_id", "volume_name", "volume_size", "create_time", "instance_id", "status", "describe", "image_id", "device", "error" })
        {
            Assert.That(item.TryGetProperty(field, out _), Is.True, $"{field} in {item}");
        }
        Assert.That(item.GetProperty("create_time").GetInt64(), Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Within(300));
        // LIKE metacharacters are literal.
        var none = (await Api.GetAsync("/api/v1/volume/list", ("filter_name", "%_"))).Ok();
        Assert.That(none.GetProperty("total").GetInt64(), Is.Zero);
        var badPage = await Api.GetAsync("/api/v1/volume/list", ("page_num", "0"), ("page_size", "x"));
        Assert.That((badPage.Status, badPage.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), badPage.ToString());

        // Delete by GET (the seed's method) and by POST: the row and the RBD image go.
        var deleted = (await Api.PostFormAsync("/api/v1/volume/delete", ("volume_id", ids[0]))).Ok();
        Assert.That(deleted.GetProperty("status").GetString(), Is.EqualTo("deleted"));
        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = ids[1] })).Ok();
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM volumes WHERE volume_id = ANY(@ids)", ("ids", ids.ToArray())), Is.EqualTo(1));
        Assert.That(await RbdImageExistsAsync("volumes", ids[0]), Is.False);
        Assert.That(await RbdImageExistsAsync("volumes", ids[1]), Is.False);
        var again = await Api.PostAsync("/api/v1/volume/delete", new { volume_id = ids[0] });
        Assert.That((again.Status, again.Code), Is.EqualTo((HttpStatusCode.NotFound, 40402)), again.ToString());
    }

    [Test]
    public async Task Clone_of_an_image_is_grown_and_the_image_must_be_available()
    {
        var imageId = await ImportGuestImageAsync();
        (await Api.PostAsync("/api/v1/images/register", new { image_id = imageId, image_name = "guest", os_type = "Linux" })).Ok();
        var created = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = "from image", volume_size = 2, image_id = imageId })).Ok();
        var volumeId = created.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        Assert.That(created.GetProperty("status").GetString(), Is.EqualTo("available"), created.ToString());
        Assert.That(created.GetProperty("task_id").GetString(), Does.StartWith("task-"));
        var info = JsonDocument.Parse(await Rbd("info", "--format", "json", $"volumes/{volumeId}")).RootElement;
        Assert.That(info.GetProperty("parent").GetProperty("image").GetString(), Is.EqualTo(imageId));
        Assert.That(info.GetProperty("size").GetInt64(), Is.EqualTo(2L << 30));

        // The image cannot go while the volume depends on it.
        var refused = await Api.PostAsync("/api/v1/images/delete", new { image_id = imageId, del_file = true });
        Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.Conflict, 40901)), refused.ToString());
        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId })).Ok();

        await ExecuteAsync("UPDATE images SET status = 'creating' WHERE image_id = @id", ("id", imageId));
        var notReady = await Api.PostAsync("/api/v1/volume/create", new { volume_name = "x", volume_size = 2, image_id = imageId });
        Assert.That((notReady.Status, notReady.Code), Is.EqualTo((HttpStatusCode.Conflict, 40904)), notReady.ToString());
        await ExecuteAsync("UPDATE images SET status = 'available' WHERE image_id = @id", ("id", imageId));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM volumes WHERE image_id = @id", ("id", imageId)), Is.Zero);
    }

    [Test]
    public async Task A_failed_creation_leaves_the_volume_in_error_with_the_reason_and_it_can_be_deleted()
    {
        // An image the inventory knows but RBD does not: the clone fails on the agent.
        var imageId = "ami-" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync("INSERT INTO images (image_id, image_name, image_size, os_type, status) VALUES (@id, 'ghost', 1048576, 'Linux', 'available')", ("id", imageId));
        var failed = await Api.PostAsync("/api/v1/volume/create", new { volume_name = "doomed", volume_size = 1, image_id = imageId });
        Assert.That(failed.Code, Is.Not.Zero, failed.ToString());
        Assert.That(failed.Message, Does.Contain("vol-"), failed.ToString());
        var volumeId = await ScalarAsync<string>("SELECT volume_id FROM volumes WHERE image_id = @id", ("id", imageId));
        Assert.That(volumeId, Is.Not.Null);
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId!));
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @v", ("v", volumeId!)), Is.EqualTo("error"));
        Assert.That(await ScalarAsync<string>("SELECT error FROM volumes WHERE volume_id = @v", ("v", volumeId!)), Is.Not.Empty);
        Assert.That(await ScalarAsync<string>("SELECT state FROM tasks WHERE resource_id = @v AND kind = 'volume.create'", ("v", volumeId!)), Is.EqualTo("failed"));
        var listed = (await Api.GetAsync("/api/v1/volume/list", ("filter_name", "doomed"))).Ok().GetProperty("items")[0];
        Assert.That(listed.GetProperty("error").GetString(), Is.Not.Empty);

        (await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId })).Ok();
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM volumes WHERE volume_id = @v", ("v", volumeId!)), Is.Zero);
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM resource_locks"), Is.Zero);
    }

    [Test]
    public async Task Attached_and_boot_volumes_are_not_deleted_and_mount_checks_the_instance()
    {
        var instanceId = await InsertInstanceAsync("stopped");
        var attached = await CreateVolumeAsync(Unique("att"), 1);
        var boot = await CreateVolumeAsync(Unique("boot"), 1);
        await ExecuteAsync("UPDATE volumes SET status = 'in-use', instance_id = @i, device = 'vdb' WHERE volume_id = @v", ("i", instanceId), ("v", attached));
        await ExecuteAsync("UPDATE volumes SET status = 'in-use', instance_id = @i, device = 'vda', is_boot = true WHERE volume_id = @v", ("i", instanceId), ("v", boot));
        foreach (var volumeId in new[] { attached, boot })
        {
            var refused = await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId });
            Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.Conflict, 40902)), refused.ToString());
            Assert.That(await RbdImageExistsAsync("volumes", volumeId), Is.True);
        }
        var bootUnmount = await Api.PostAsync("/api/v1/volume/unmount", new { volume_id = boot, instance_id = instanceId });
        Assert.That((bootUnmount.Status, bootUnmount.Code), Is.EqualTo((HttpStatusCode.Conflict, 40902)), bootUnmount.ToString());
        var twice = await Api.PostAsync("/api/v1/volume/mount", new { volume_id = attached, instance_id = instanceId });
        Assert.That((twice.Status, twice.Code), Is.EqualTo((HttpStatusCode.Conflict, 40902)), twice.ToString());

        // An instance that is not running or stopped takes no devices; nothing changes.
        var free = await CreateVolumeAsync(Unique("free"), 1);
        var creating = await InsertInstanceAsync("creating");
        var refusedMount = await Api.PostAsync("/api/v1/volume/mount", new { volume_id = free, instance_id = creating });
        Assert.That((refusedMount.Status, refusedMount.Code), Is.EqualTo((HttpStatusCode.Conflict, 40904)), refusedMount.ToString());
        var notAttached = await Api.PostAsync("/api/v1/volume/unmount", new { volume_id = free, instance_id = instanceId });
        Assert.That((notAttached.Status, notAttached.Code), Is.EqualTo((HttpStatusCode.Conflict, 40904)), notAttached.ToString());
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", free)), Is.EqualTo("available"));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM resource_locks"), Is.Zero);

        // A volume held by a task is busy.
        await ExecuteAsync("INSERT INTO tasks (task_id, kind, resource_id, state, owner, lease_until) VALUES ('task-00000000000000aa', 'test', @v, 'running', 'test', now() + interval '1 hour')", ("v", free));
        await ExecuteAsync("INSERT INTO resource_locks (resource_id, task_id) VALUES (@v, 'task-00000000000000aa')", ("v", free));
        var busy = await Api.PostAsync("/api/v1/volume/mount", new { volume_id = free, instance_id = instanceId });
        Assert.That((busy.Status, busy.Code), Is.EqualTo((HttpStatusCode.Conflict, 40905)), busy.ToString());
        await ExecuteAsync("DELETE FROM tasks WHERE task_id = 'task-00000000000000aa'");
        Assert.That(await ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", free)), Is.EqualTo("available"));

        await ExecuteAsync("UPDATE volumes SET status = 'available', instance_id = NULL, device = NULL, is_boot = false WHERE instance_id = @i", ("i", instanceId));
    }

    private async Task<string> CreateVolumeAsync(string name, int sizeGiB)
    {
        var created = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = name, volume_size = sizeGiB, describe = "test" })).Ok();
        var volumeId = created.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));
        Assert.That(created.GetProperty("status").GetString(), Is.EqualTo("available"), created.ToString());
        Assert.That(created.GetProperty("volume_size").GetInt32(), Is.EqualTo(sizeGiB));
        return volumeId;
    }
}

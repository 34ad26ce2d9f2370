using System.Net;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// Bad input to the image and instance endpoints: a 4xx with a stable code that names every
/// problem at once, and nothing changed in the inventory, Ceph or libvirt.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class InstanceValidationTests : ControllerTestBase
{
    private static readonly string Huge = new('a', 100_000);

    public static IEnumerable<TestCaseData> InvalidCreates()
    {
        yield return new TestCaseData(new { }, new[] { "instance_name", "image_id", "cpu", "memory" }).SetName("create: nothing given");
        yield return new TestCaseData(new { instance_name = "<script>alert(1)</script>", image_id = "ami 1", cpu = "two", memory = -5 },
            new[] { "instance_name", "image_id", "cpu", "memory" }).SetName("create: markup name, bad id, wrong types");
        yield return new TestCaseData(new { instance_name = "x; rm -rf / #", image_id = "../ami-0000000G", cpu = 1, memory = 128 },
            new[] { "instance_name", "image_id" }).SetName("create: shell metacharacters, path as id");
        yield return new TestCaseData(new { instance_name = Huge, image_id = "ami-00000000", cpu = 1_000_000, memory = long.MaxValue, boot_volume_size = 1 << 30 },
            new[] { "instance_name", "cpu", "memory", "boot_volume_size" }).SetName("create: huge values");
        yield return new TestCaseData(new { instance_name = "ok", image_id = "ami-00000000", cpu = 1, memory = 128, data_volumes = "not an array" },
            new[] { "data_volumes" }).SetName("create: data_volumes not an array");
        yield return new TestCaseData(new { instance_name = "ok", image_id = "ami-00000000", cpu = 1, memory = 128, data_volumes = new object[] { new { volume_name = "$(reboot)", volume_size = 0 } } },
            new[] { "data_volumes[0].volume_name", "data_volumes[0].volume_size" }).SetName("create: bad nested volume");
        yield return new TestCaseData(new { instance_name = "ok", image_id = "ami-00000000", cpu = 1, memory = 128, volume_ids = new[] { "vol-00000001", "vol-00000001" }, nic_ids = new[] { "eth0" } },
            new[] { "volume_ids", "nic_ids" }).SetName("create: duplicate and malformed ids");
        yield return new TestCaseData(new { instance_name = "ok", image_id = "ami-00000000", cpu = 1, memory = 128, nics = Enumerable.Range(0, 9).Select(i => new { nic_name = $"n{i}" }).ToArray() },
            new[] { "nics" }).SetName("create: too many NICs");
    }

    [TestCaseSource(nameof(InvalidCreates))]
    public async Task Invalid_instance_create_reports_every_problem_and_changes_nothing(object body, string[] fields)
    {
        var before = await InventorySnapshotAsync();
        var domainsBefore = await Virsh("list", "--all", "--name");
        var response = await Api.PostAsync("/api/v1/instance/create", body);
        Assert.That((response.Status, response.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), response.ToString());
        var named = response.Data.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.That(named, Is.SupersetOf(fields), response.ToString());
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));
        Assert.That(await Virsh("list", "--all", "--name"), Is.EqualTo(domainsBefore));
    }

    [Test]
    public async Task Unknown_ids_are_404_with_their_own_codes_and_change_nothing()
    {
        var before = await InventorySnapshotAsync();
        var image = await Api.PostAsync("/api/v1/instance/create", new { instance_name = "ok", image_id = "ami-00000000", cpu = 1, memory = 128 });
        Assert.That((image.Status, image.Code), Is.EqualTo((HttpStatusCode.NotFound, 40401)), image.ToString());

        var imageId = await BlankImageAsync();
        before = await InventorySnapshotAsync();
        var volume = await Api.PostAsync("/api/v1/instance/create", new { instance_name = "ok", image_id = imageId, cpu = 1, memory = 128, volume_ids = new[] { "vol-00000000" } });
        Assert.That((volume.Status, volume.Code), Is.EqualTo((HttpStatusCode.NotFound, 40402)), volume.ToString());
        var nic = await Api.PostAsync("/api/v1/instance/create", new { instance_name = "ok", image_id = imageId, cpu = 1, memory = 128, nic_ids = new[] { "nic-00000000" } });
        Assert.That((nic.Status, nic.Code), Is.EqualTo((HttpStatusCode.NotFound, 40403)), nic.ToString());
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));

        foreach (var path in new[] { "/api/v1/instance/turnon", "/api/v1/instance/turnoff", "/api/v1/instance/destory", "/api/v1/instance/destroy" })
        {
            var response = await Api.PostAsync(path, new { instance_id = "i-00000000" });
            Assert.That((response.Status, response.Code), Is.EqualTo((HttpStatusCode.NotFound, 40404)), path + ": " + response);
        }
        var detail = await Api.GetAsync("/api/v1/instance/detail", ("instance_id", "i-00000000"));
        Assert.That((detail.Status, detail.Code), Is.EqualTo((HttpStatusCode.NotFound, 40404)), detail.ToString());
        var progress = await Api.GetAsync("/api/v1/instance/progress", ("task_id", "task-0000000000000000"));
        Assert.That((progress.Status, progress.Code), Is.EqualTo((HttpStatusCode.NotFound, 40405)), progress.ToString());
        foreach (var path in new[] { "/api/v1/images/delete", "/api/v1/images/update" })
        {
            var response = await Api.PostAsync(path, new { image_id = "ami-00000000", describe = "x" });
            Assert.That((response.Status, response.Code), Is.EqualTo((HttpStatusCode.NotFound, 40401)), path + ": " + response);
        }
        var register = await Api.PostAsync("/api/v1/images/register", new { image_id = "ami-00000000", image_name = "ghost", os_type = "Linux" });
        Assert.That((register.Status, register.Code), Is.EqualTo((HttpStatusCode.NotFound, 40407)), register.ToString());
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Malformed_bodies_are_400_with_their_own_code()
    {
        var before = await InventorySnapshotAsync();
        foreach (var (contentType, body) in new[]
        {
            ("application/json", "{\"instance_name\": "),
            ("application/json", "[1, 2, 3]"),
            ("text/plain", "instance_name=x"),
        })
        {
            var response = await Api.PostRawAsync("/api/v1/instance/create", contentType, body);
            Assert.That((response.Status, response.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40000)), $"{contentType} {body}: {response}");
        }
        var unknown = await Api.GetAsync("/api/v1/instance/explode");
        Assert.That((unknown.Status, unknown.Code), Is.EqualTo((HttpStatusCode.NotFound, 40400)), unknown.ToString());
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Invalid_image_requests_report_every_problem_and_change_nothing()
    {
        var before = await InventorySnapshotAsync();
        var rbdBefore = await Rbd("ls", "images");
        var create = await Api.PostAsync("/api/v1/images/create", new { image_name = "a`id`", image_size = 1L << 50, os_type = "BeOS", describe = "bell\u0007" });
        Assert.That((create.Status, create.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), create.ToString());
        Assert.That(create.Data.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()),
            Is.EquivalentTo(new[] { "image_name", "image_size", "os_type", "describe" }));
        var update = await Api.PostAsync("/api/v1/images/update", new { image_id = "ami-00000000" });
        Assert.That((update.Status, update.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), update.ToString());
        var list = await Api.GetAsync("/api/v1/images/list", ("page_num", "0"), ("page_size", "100000"));
        Assert.That(list.Data.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()), Is.EquivalentTo(new[] { "page_num", "page_size" }));
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));
        Assert.That(await Rbd("ls", "images"), Is.EqualTo(rbdBefore));
    }

    [Test]
    public async Task Operations_in_the_wrong_state_are_409_and_change_nothing()
    {
        var imageId = await BlankImageAsync();
        var created = (await Api.PostAsync("/api/v1/instance/create", new { instance_name = Unique("idle"), image_id = imageId, cpu = 1, memory = 64 })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        var done = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("succeeded"), done.ToString());

        var before = await InventorySnapshotAsync();
        var on = await Api.PostAsync("/api/v1/instance/turnon", new { instance_id = instanceId });
        Assert.That((on.Status, on.Code), Is.EqualTo((HttpStatusCode.Conflict, 40904)), on.ToString());
        var image = await Api.PostAsync("/api/v1/images/delete", new { image_id = imageId });
        Assert.That((image.Status, image.Code), Is.EqualTo((HttpStatusCode.Conflict, 40901)), image.ToString());
        var bootVolume = await ScalarAsync<string>("SELECT volume_id FROM volumes WHERE instance_id = @id AND is_boot", ("id", instanceId));
        var volume = await Api.PostAsync("/api/v1/volume/delete", new { volume_id = bootVolume! });
        Assert.That((volume.Status, volume.Code), Is.EqualTo((HttpStatusCode.Conflict, 40902)), volume.ToString());
        Assert.That(await InventorySnapshotAsync(), Is.EqualTo(before));
        Assert.That(await DomainStateAsync(instanceId), Is.EqualTo("running"));

        (await Api.PostAsync("/api/v1/instance/turnoff", new { instance_id = instanceId, force = true })).Ok();
        Assert.That(await DomainStateAsync(instanceId), Is.EqualTo("shut off"));
        var off = await Api.PostAsync("/api/v1/instance/turnoff", new { instance_id = instanceId });
        Assert.That((off.Status, off.Code), Is.EqualTo((HttpStatusCode.Conflict, 40904)), off.ToString());

        var destroy = (await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId })).Ok();
        var again = await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId });
        Assert.That(again.Status, Is.EqualTo(HttpStatusCode.Conflict).Or.EqualTo(HttpStatusCode.NotFound), "a second destroy while the first runs: " + again);
        var finished = await WaitForTaskAsync(instanceId, destroy.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.That(finished.GetProperty("state").GetString(), Is.EqualTo("succeeded"), finished.ToString());
        Assert.That(await DomainExistsAsync(instanceId), Is.False);
        Assert.That(await RbdImageExistsAsync("volumes", bootVolume!), Is.False);
    }
}

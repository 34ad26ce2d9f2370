using System.Xml.Linq;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Faults;

/// <summary>
/// What fault tests share: the independent checks after a fault — SQL against the inventory,
/// virsh against libvirt, rbd against Ceph — and the ways out through the REST API. The test
/// environment's libvirtd and Ceph are shared with other fixtures (which never run at the same
/// time), so only what appeared since the test's baseline is held against the inventory.
/// </summary>
public abstract class FaultTestBase : ControllerTestBase
{
    protected static readonly TimeSpan Settled = TimeSpan.FromSeconds(150);

    private static readonly string[] Transitional = ["creating", "attaching", "detaching", "deleting", "starting", "stopping", "destroying"];

    private protected sealed record Baseline(HashSet<string> Volumes, HashSet<string> Images, HashSet<string> Domains);

    private protected async Task<Baseline> TakeBaselineAsync() =>
        new(await PoolAsync("volumes"), await PoolAsync("images"), await DomainNamesAsync());

    private protected async Task AssertConsistentAsync(Baseline baseline)
    {
        var problems = new List<string>();
        var volumePool = await PoolAsync("volumes");
        var imagePool = await PoolAsync("images");
        var domains = await DomainNamesAsync();

        var volumes = await RowsAsync("SELECT volume_id, status, coalesce(instance_id, '') FROM volumes");
        var images = await RowsAsync("SELECT image_id, status, '' FROM images");
        var instances = await RowsAsync("SELECT instance_id, status, '' FROM instances");
        var nics = await RowsAsync("SELECT nic_id, status, coalesce(instance_id, '') || ' ' || mac::text FROM network_interfaces");

        foreach (var (table, rows) in new[] { ("volume", volumes), ("image", images), ("instance", instances), ("nic", nics) })
        {
            problems.AddRange(rows.Where(r => Transitional.Contains(r.Status)).Select(r => $"{table} {r.Id} is still {r.Status} with no task running"));
        }
        foreach (var volume in volumes.Where(v => v.Status is "available" or "in-use"))
        {
            if (!volumePool.Contains(volume.Id) || !await OpensAsync("volumes", volume.Id))
            {
                problems.Add($"volume {volume.Id} is {volume.Status} but its RBD image is missing or does not open");
            }
        }
        problems.AddRange(volumePool.Except(baseline.Volumes).Where(n => volumes.All(v => v.Id != n)).Select(n => $"orphan RBD image volumes/{n}: no volume row"));
        foreach (var image in images.Where(i => i.Status == "available"))
        {
            if (!imagePool.Contains(image.Id) || !await OpensAsync("images", image.Id))
            {
                problems.Add($"image {image.Id} is available but its RBD image is missing or does not open");
            }
        }
        problems.AddRange(imagePool.Except(baseline.Images).Where(n => images.All(i => i.Id != n)).Select(n => $"orphan RBD image images/{n}: no image row"));
        problems.AddRange(domains.Except(baseline.Domains).Where(d => instances.All(i => i.Id != d)).Select(d => $"orphan domain {d}: no instance row"));

        foreach (var instance in instances.Where(i => i.Status != "error"))
        {
            if (!domains.Contains(instance.Id))
            {
                problems.Add($"instance {instance.Id} is {instance.Status} but has no domain");
                continue;
            }
            var (disks, macs) = await DevicesAsync(instance.Id);
            var mustHaveDisks = volumes.Where(v => v.Extra == instance.Id && v.Status == "in-use").Select(v => v.Id).ToHashSet();
            var mayHaveDisks = volumes.Where(v => v.Extra == instance.Id && v.Status == "error").Select(v => v.Id).ToHashSet();
            problems.AddRange(mustHaveDisks.Except(disks).Select(v => $"volume {v} is in-use on {instance.Id} but the domain has no such disk"));
            problems.AddRange(disks.Except(mustHaveDisks).Except(mayHaveDisks).Select(v => $"phantom disk volumes/{v} on {instance.Id}: the inventory does not have it attached"));
            var nicsHere = nics.Select(n => (n.Id, n.Status, Instance: n.Extra.Split(' ')[0], Mac: n.Extra.Split(' ')[1])).Where(n => n.Instance == instance.Id).ToList();
            var mustHaveMacs = nicsHere.Where(n => n.Status == "attached").Select(n => n.Mac).ToHashSet();
            var mayHaveMacs = nicsHere.Where(n => n.Status == "error").Select(n => n.Mac).ToHashSet();
            problems.AddRange(mustHaveMacs.Except(macs).Select(m => $"NIC {m} is attached to {instance.Id} but the domain has no such interface"));
            problems.AddRange(macs.Except(mustHaveMacs).Except(mayHaveMacs).Select(m => $"phantom interface {m} on {instance.Id}: the inventory does not have it attached"));
        }
        Assert.That(problems, Is.Empty, "inventory, libvirt and Ceph disagree");
    }

    /// <summary>After the test's own clean-up through the API: nothing it made is left anywhere.</summary>
    private protected async Task AssertNothingLeftAsync(Baseline baseline)
    {
        Assert.That((await PoolAsync("volumes")).Except(baseline.Volumes), Is.Empty, "volumes left in Ceph");
        Assert.That((await PoolAsync("images")).Except(baseline.Images), Is.Empty, "images left in Ceph");
        Assert.That((await DomainNamesAsync()).Except(baseline.Domains), Is.Empty, "domains left in libvirt");
    }

    // The ways out, through REST only: each must work from whatever state a fault left.

    private protected async Task DeleteVolumeThroughApiAsync(string volumeId)
    {
        if (await VolumeStatusAsync(volumeId) is { } status)
        {
            var deleted = await Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId });
            Assert.That(deleted.Code, Is.Zero, $"deleting volume {volumeId} ({status}): {deleted}");
        }
        Assert.That(await VolumeStatusAsync(volumeId), Is.Null);
        Assert.That(await RbdImageExistsAsync("volumes", volumeId), Is.False);
    }

    private protected async Task EnsureMountedAsync(string volumeId, string instanceId)
    {
        if (await VolumeStatusAsync(volumeId) == "error")
        {
            (await Api.PostAsync("/api/v1/volume/unmount", new { volume_id = volumeId, instance_id = instanceId })).Ok();
        }
        if (await VolumeStatusAsync(volumeId) == "available")
        {
            (await Api.PostAsync("/api/v1/volume/mount", new { volume_id = volumeId, instance_id = instanceId })).Ok();
        }
        Assert.That(await VolumeStatusAsync(volumeId), Is.EqualTo("in-use"));
    }

    private protected async Task EnsureUnmountedAsync(string volumeId, string instanceId)
    {
        if (await VolumeStatusAsync(volumeId) is "in-use" or "error")
        {
            (await Api.PostAsync("/api/v1/volume/unmount", new { volume_id = volumeId, instance_id = instanceId })).Ok();
        }
        Assert.That(await VolumeStatusAsync(volumeId), Is.EqualTo("available"));
    }

    private protected async Task EnsureAttachedAsync(string nicId, string instanceId)
    {
        if (await NicStatusAsync(nicId) == "error")
        {
            (await Api.PostAsync("/api/v1/network/detach", new { network_interface_id = nicId, instance_id = instanceId })).Ok();
        }
        if (await NicStatusAsync(nicId) == "idle")
        {
            (await Api.PostAsync("/api/v1/network/attach", new { network_interface_id = nicId, instance_id = instanceId })).Ok();
        }
        Assert.That(await NicStatusAsync(nicId), Is.EqualTo("attached"));
    }

    private protected async Task EnsureDetachedAsync(string nicId, string instanceId)
    {
        if (await NicStatusAsync(nicId) is "attached" or "error")
        {
            (await Api.PostAsync("/api/v1/network/detach", new { network_interface_id = nicId, instance_id = instanceId })).Ok();
        }
        Assert.That(await NicStatusAsync(nicId), Is.EqualTo("idle"));
    }

    private sealed record Row(string Id, string Status, string Extra);

    private async Task<List<Row>> RowsAsync(string sql)
    {
        await using var command = Database.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        return rows;
    }

    private async Task<HashSet<string>> PoolAsync(string pool) =>
        (await Rbd("ls", pool)).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    private async Task<bool> OpensAsync(string pool, string name) =>
        (await ChildProcess.RunAsync("rbd", [.. RbdArguments, "info", $"{pool}/{name}"], TimeSpan.FromMinutes(1))).ExitCode == 0;

    private async Task<HashSet<string>> DomainNamesAsync() =>
        (await Virsh("list", "--all", "--name")).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    /// <summary>The volumes (RBD names in pool volumes) and MACs of the domain's live definition.</summary>
    private async Task<(HashSet<string> Volumes, HashSet<string> Macs)> DevicesAsync(string instanceId)
    {
        var xml = XElement.Parse(await Virsh("dumpxml", instanceId));
        var devices = xml.Element("devices")!;
        var volumes = devices.Elements("disk").Select(d => d.Element("source")?.Attribute("name")?.Value)
            .Where(n => n is not null && n.StartsWith("volumes/", StringComparison.Ordinal)).Select(n => n!["volumes/".Length..]).ToHashSet(StringComparer.Ordinal);
        var macs = devices.Elements("interface").Select(i => i.Element("mac")?.Attribute("address")?.Value).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        return (volumes, macs);
    }

    /// <summary>Until no task is pending or running.</summary>
    private protected Task<TimeSpan> AllTasksEndedAsync(string after) =>
        Eventually.HoldsAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM tasks WHERE state IN ('pending', 'running')") == 0, Settled, $"every task ended after {after}");

    private protected Task<string?> VolumeStatusAsync(string volumeId) =>
        ScalarAsync<string>("SELECT status FROM volumes WHERE volume_id = @id", ("id", volumeId));

    private protected Task<string?> NicStatusAsync(string nicId) =>
        ScalarAsync<string>("SELECT status FROM network_interfaces WHERE nic_id = @id", ("id", nicId));

    private protected Task<string?> InstanceStatusAsync(string instanceId) =>
        ScalarAsync<string>("SELECT status FROM instances WHERE instance_id = @id", ("id", instanceId));

    /// <summary>Destroys an instance through the API and waits for it to be gone everywhere.</summary>
    private protected async Task DestroyThroughApiAsync(string instanceId)
    {
        var destroy = (await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId })).Ok();
        var done = await WaitForTaskAsync(instanceId, destroy.GetProperty("task_id").GetString()!, Settled);
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("succeeded"), done.ToString());
        Assert.That(await DomainExistsAsync(instanceId), Is.False);
    }

    private protected async Task DeleteImageThroughApiAsync(string imageId)
    {
        (await Api.PostAsync("/api/v1/images/delete", new { image_id = imageId, del_file = true })).Ok();
        Assert.That(await RbdImageExistsAsync("images", imageId), Is.False);
    }
}

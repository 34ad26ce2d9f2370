using Platform.Agent.Storage.Rbd;

namespace Platform.Tests.Integration.Storage;

/// <summary>Creating, inspecting, resizing and removing images through the binding, checked with the rbd CLI.</summary>
public class RbdImageTests : RbdTestBase
{
    private static readonly string[] DefaultFeatureNames = ["layering", "exclusive-lock", "object-map", "fast-diff", "deep-flatten"];
    private static readonly string[] LooseAndKept = ["loose", "kept"];
    private static readonly string[] AAndB = ["a", "b"];

    [Test]
    public async Task Creates_an_image_that_the_cli_lists_and_describes_the_same_way()
    {
        var name = NewImage(Volumes);

        var created = await Volumes.CreateImageAsync(name, 256UL << 20);

        var cli = await RbdJsonAsync("info", $"volumes/{name}");
        Assert.That(created.Name, Is.EqualTo(name));
        Assert.That(created.Pool, Is.EqualTo("volumes"));
        Assert.That(created.Size, Is.EqualTo(256UL << 20).And.EqualTo(cli.GetProperty("size").GetUInt64()));
        Assert.That(created.Id, Is.EqualTo(cli.GetProperty("id").GetString()));
        Assert.That(created.ObjectSize, Is.EqualTo(cli.GetProperty("object_size").GetUInt64()));
        Assert.That(created.ObjectCount, Is.EqualTo(cli.GetProperty("objects").GetUInt64()));
        Assert.That(created.Features, Is.EqualTo(RbdImageFeatures.Default));
        Assert.That(cli.GetProperty("features").EnumerateArray().Select(f => f.GetString()),
            Is.EquivalentTo(DefaultFeatureNames));
        Assert.That(created.Parent, Is.Null);
        Assert.That(await Volumes.ListImagesAsync(), Does.Contain(name));
        Assert.That(await RbdListAsync("volumes"), Does.Contain(name));
    }

    [Test]
    public async Task Lists_all_images_even_more_than_fit_the_first_buffer()
    {
        // The binding starts with room for 64 names and retries on ERANGE.
        var names = Enumerable.Range(0, 66).Select(_ => NewImage(Images, "ls")).ToList();
        foreach (var name in names)
        {
            await Images.CreateImageAsync(name, 1UL << 20);
        }

        var listed = await Images.ListImagesAsync();

        Assert.That(listed, Is.SupersetOf(names));
        Assert.That(listed, Is.EquivalentTo(await RbdListAsync("images")));
    }

    [Test]
    public async Task Info_of_a_missing_image_is_not_found_and_find_returns_null()
    {
        var name = NewImage(Volumes);

        var failure = await Assert.ThrowsAsync<RbdException>(() => Volumes.GetImageInfoAsync(name));

        Assert.That(failure!.Error, Is.EqualTo(CephErrno.NotFound));
        Assert.That(failure.ObjectName, Is.EqualTo($"volumes/{name}"));
        Assert.That(await Volumes.FindImageAsync(name), Is.Null);
    }

    [Test]
    public async Task Creating_an_existing_image_fails_with_exists_and_leaves_it_alone()
    {
        var name = NewImage(Volumes);
        await Volumes.CreateImageAsync(name, 64UL << 20);

        var failure = await Assert.ThrowsAsync<RbdException>(() => Volumes.CreateImageAsync(name, 128UL << 20));

        Assert.That(failure!.Error, Is.EqualTo(CephErrno.Exists));
        Assert.That(failure.Operation, Is.EqualTo("rbd_create4"));
        Assert.That((await RbdJsonAsync("info", $"volumes/{name}")).GetProperty("size").GetUInt64(), Is.EqualTo(64UL << 20));
    }

    [Test]
    public async Task Grows_an_image_and_refuses_to_shrink_it_unless_asked()
    {
        var name = NewImage(Volumes);
        await Volumes.CreateImageAsync(name, 64UL << 20);

        await Volumes.ResizeImageAsync(name, 1UL << 30);
        Assert.That((await RbdJsonAsync("info", $"volumes/{name}")).GetProperty("size").GetUInt64(), Is.EqualTo(1UL << 30));

        var refusal = await Assert.ThrowsAsync<RbdException>(() => Volumes.ResizeImageAsync(name, 512UL << 20));
        Assert.That(refusal!.Error, Is.EqualTo(CephErrno.InvalidArgument));
        Assert.That(refusal.Message, Does.Contain("refusing to shrink from 1 GiB to 512 MiB"));
        Assert.That((await Volumes.GetImageInfoAsync(name)).Size, Is.EqualTo(1UL << 30));

        await Volumes.ResizeImageAsync(name, 512UL << 20, allowShrink: true);
        Assert.That((await RbdJsonAsync("info", $"volumes/{name}")).GetProperty("size").GetUInt64(), Is.EqualTo(512UL << 20));
    }

    [Test]
    public async Task Removes_an_image_and_a_second_remove_still_succeeds()
    {
        var name = NewImage(Volumes);
        await Volumes.CreateImageAsync(name, 64UL << 20);

        Assert.That(await Volumes.RemoveImageAsync(name), Is.True);
        Assert.That(await RbdListAsync("volumes"), Does.Not.Contain(name));
        Assert.That(await Volumes.RemoveImageAsync(name), Is.False, "a missing image counts as removed");
    }

    [Test]
    public async Task Removing_an_image_open_by_another_client_is_refused_naming_the_watcher()
    {
        var name = NewImage(Volumes);
        await Volumes.CreateImageAsync(name, 64UL << 20);
        // Another client (its own connection, as a VM's qemu would be) keeps the image open read-write.
        using var other = await CephCluster.ConnectAsync(CephConnectionOptions.FromMonitors(Ceph["PLATFORM_CEPH_MON_HOST"], Ceph["PLATFORM_CEPH_KEY"]));
        using var otherVolumes = await other.OpenPoolAsync("volumes");
        using (var held = await otherVolumes.OpenImageAsync(name))
        {
            var watchers = (await RbdJsonAsync("status", $"volumes/{name}")).GetProperty("watchers");
            Assert.That(watchers.GetArrayLength(), Is.EqualTo(1), "rbd status sees the holder");

            var refusal = await Assert.ThrowsAsync<RbdImageInUseException>(() => Volumes.RemoveImageAsync(name));

            Assert.That(refusal!.Error, Is.EqualTo(CephErrno.Busy));
            Assert.That(refusal.Watchers, Has.Count.EqualTo(1));
            Assert.That(refusal.Watchers[0].Address, Is.EqualTo(watchers[0].GetProperty("address").GetString()));
            Assert.That(refusal.Message, Does.Contain("open by 1 client(s)"));
            Assert.That(await RbdListAsync("volumes"), Does.Contain(name), "nothing was removed");
            Assert.That(await held.ListWatchersAsync(), Has.Count.EqualTo(1));
        }

        Assert.That(await Volumes.RemoveImageAsync(name), Is.True, "removable once the client closed it");
    }

    [Test]
    public async Task Removing_an_image_with_snapshots_is_refused_unless_purging_unprotected_ones()
    {
        var name = NewImage(Volumes);
        await Volumes.CreateImageAsync(name, 64UL << 20);
        using (var image = await Volumes.OpenImageAsync(name))
        {
            await image.CreateSnapshotAsync("one");
            await image.CreateSnapshotAsync("two");
        }

        var refusal = await Assert.ThrowsAsync<RbdException>(() => Volumes.RemoveImageAsync(name));
        Assert.That(refusal!.Error, Is.EqualTo(CephErrno.HasSnapshots));
        Assert.That(refusal.Message, Does.Contain("2 snapshot(s): one, two"));
        Assert.That(await RbdListAsync("volumes"), Does.Contain(name));

        Assert.That(await Volumes.RemoveImageAsync(name, purgeSnapshots: true), Is.True);
        Assert.That(await RbdListAsync("volumes"), Does.Not.Contain(name));
    }

    [Test]
    public async Task Purging_does_not_touch_a_protected_snapshot_and_the_image_stays()
    {
        var name = NewImage(Volumes);
        await Volumes.CreateImageAsync(name, 64UL << 20);
        using (var image = await Volumes.OpenImageAsync(name))
        {
            await image.CreateSnapshotAsync("loose");
            await image.CreateSnapshotAsync("kept");
            await image.ProtectSnapshotAsync("kept");
        }

        var refusal = await Assert.ThrowsAsync<RbdException>(() => Volumes.RemoveImageAsync(name, purgeSnapshots: true));

        Assert.That(refusal!.Error, Is.EqualTo(CephErrno.HasSnapshots));
        Assert.That(refusal.Message, Does.Contain("protected snapshot(s) kept"));
        var snapshots = (await RbdJsonAsync("snap", "ls", $"volumes/{name}")).EnumerateArray().Select(s => s.GetProperty("name").GetString());
        Assert.That(snapshots, Is.EquivalentTo(LooseAndKept), "nothing was purged");
    }

    [Test]
    public async Task Snapshots_are_created_listed_protected_unprotected_and_removed()
    {
        var name = NewImage(Volumes);
        await Volumes.CreateImageAsync(name, 64UL << 20);
        using var image = await Volumes.OpenImageAsync(name);

        await image.CreateSnapshotAsync("a");
        await image.CreateSnapshotAsync("b");
        await image.ProtectSnapshotAsync("b");
        await image.ProtectSnapshotAsync("b");

        var snapshots = await image.ListSnapshotsAsync();
        Assert.That(snapshots.Select(s => (s.Name, s.IsProtected)), Is.EqualTo(new[] { ("a", false), ("b", true) }));
        Assert.That(snapshots.All(s => s.Size == 64UL << 20));
        var cli = (await RbdJsonAsync("snap", "ls", $"volumes/{name}")).EnumerateArray()
            .Select(s => (s.GetProperty("name").GetString(), s.GetProperty("protected").GetString())).ToList();
        Assert.That(cli, Is.EqualTo(new[] { ("a", "false"), ("b", "true") }));

        Assert.That((await Assert.ThrowsAsync<RbdException>(() => image.CreateSnapshotAsync("a")))!.Error, Is.EqualTo(CephErrno.Exists));
        Assert.That((await Assert.ThrowsAsync<RbdException>(() => image.RemoveSnapshotAsync("b")))!.Error, Is.EqualTo(CephErrno.Busy));

        await image.UnprotectSnapshotAsync("b");
        await image.UnprotectSnapshotAsync("b");
        Assert.That(await image.PurgeSnapshotsAsync(), Is.EquivalentTo(AAndB));
        Assert.That(await image.RemoveSnapshotAsync("a"), Is.False, "already gone");
        Assert.That(await image.ListSnapshotsAsync(), Is.Empty);
    }

    [TestCase("a/b")]
    [TestCase("x@snap")]
    [TestCase("vol 1;rm -rf")]
    [TestCase("$(reboot)")]
    [TestCase("-rf")]
    [TestCase("..")]
    [TestCase("")]
    [TestCase("名前")]
    public async Task Names_with_metacharacters_are_refused_before_anything_is_created(string name)
    {
        var before = await RbdListAsync("volumes");

        var refusal = await Assert.ThrowsAsync<ArgumentException>(() => Volumes.CreateImageAsync(name, 64UL << 20));

        Assert.That(refusal!.Message, Does.Contain("is not a valid RBD image name"));
        Assert.That(await RbdListAsync("volumes"), Is.EquivalentTo(before));
    }

    [Test]
    public async Task A_name_longer_than_rbd_allows_is_refused()
    {
        var refusal = await Assert.ThrowsAsync<ArgumentException>(() => Volumes.CreateImageAsync(new string('v', 96), 64UL << 20));

        Assert.That(refusal!.ParamName, Is.EqualTo("name"));
        Assert.That(await RbdListAsync("volumes"), Does.Not.Contain(new string('v', 96)));
    }

    [TestCase(0UL)]
    [TestCase((16UL << 40) + 1)]
    [TestCase(1UL << 62)]
    [TestCase(ulong.MaxValue)]
    public async Task Absurd_sizes_are_refused_before_anything_is_created(ulong size)
    {
        var name = NewImage(Volumes);

        var refusal = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Volumes.CreateImageAsync(name, size));

        Assert.That(refusal!.Message, Does.Contain("between 1 byte and"));
        Assert.That(await RbdListAsync("volumes"), Does.Not.Contain(name));
    }

    [Test]
    public async Task The_largest_allowed_size_is_created_thin_and_removed_quickly()
    {
        var name = NewImage(Volumes);

        var created = await Volumes.CreateImageAsync(name, RbdSizes.MaxImageSize);

        Assert.That(created.Size, Is.EqualTo(16UL << 40));
        // The object map lets removal skip the 4 Mi objects that were never written.
        Assert.That(await Volumes.RemoveImageAsync(name).WaitAsync(TimeSpan.FromSeconds(30)), Is.True);
    }

    [Test]
    public async Task An_image_open_read_only_refuses_writes_with_read_only()
    {
        var name = NewImage(Volumes);
        await Volumes.CreateImageAsync(name, 64UL << 20);
        using var image = await Volumes.OpenImageAsync(name, readOnly: true);

        var failure = await Assert.ThrowsAsync<RbdException>(() => image.CreateSnapshotAsync("nope"));

        Assert.That(failure!.Error, Is.EqualTo(CephErrno.ReadOnly));
        Assert.That(await image.ListWatchersAsync(), Is.Empty, "a read-only open is no watcher");
    }
}

using Platform.Agent.Storage.Rbd;

namespace Platform.Tests.Integration.Storage;

/// <summary>Copy-on-write volumes from images (v1 clones of protected snapshots), flatten, and what clones forbid.</summary>
public class RbdCloneTests : RbdTestBase
{
    [Test]
    public async Task Clones_an_image_into_another_pool_by_way_of_a_protected_snapshot()
    {
        var image = NewImage(Images, "ami");
        var volume = NewImage(Volumes, "vol");
        await Images.CreateImageAsync(image, 1UL << 30);

        var clone = await Images.CloneFromImageAsync(image, "base", Volumes, volume);

        Assert.That(clone.Reference, Is.EqualTo(new RbdImageReference("volumes", volume)));
        Assert.That(clone.Size, Is.EqualTo(1UL << 30));
        Assert.That(clone.Parent, Is.Not.Null);
        Assert.That(clone.Parent!.ToString(), Is.EqualTo($"images/{image}@base"));
        var parent = (await RbdJsonAsync("info", $"volumes/{volume}")).GetProperty("parent");
        Assert.That(parent.GetProperty("pool").GetString(), Is.EqualTo("images"));
        Assert.That(parent.GetProperty("image").GetString(), Is.EqualTo(image));
        Assert.That(parent.GetProperty("snapshot").GetString(), Is.EqualTo("base"));
        Assert.That(clone.Parent.ImageId, Is.EqualTo(parent.GetProperty("id").GetString()));
        var snapshot = (await RbdJsonAsync("snap", "ls", $"images/{image}")).EnumerateArray().Single();
        Assert.That(snapshot.GetProperty("protected").GetString(), Is.EqualTo("true"));
        Assert.That(await RbdChildrenAsync($"images/{image}"), Is.EqualTo(new[] { $"volumes/{volume}" }));
        using var opened = await Images.OpenImageAsync(image, readOnly: true);
        Assert.That(await opened.ListChildrenAsync(), Is.EqualTo(new[] { new RbdImageReference("volumes", volume) }));
    }

    [Test]
    public async Task A_second_clone_reuses_the_existing_protected_snapshot()
    {
        var image = NewImage(Images, "ami");
        var first = NewImage(Volumes, "vol");
        var second = NewImage(Volumes, "vol");
        await Images.CreateImageAsync(image, 64UL << 20);

        await Images.CloneFromImageAsync(image, "base", Volumes, first);
        await Images.CloneFromImageAsync(image, "base", Volumes, second);

        Assert.That(await RbdChildrenAsync($"images/{image}"), Is.EquivalentTo(new[] { $"volumes/{first}", $"volumes/{second}" }));
        Assert.That((await RbdJsonAsync("snap", "ls", $"images/{image}")).GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public async Task Clones_made_concurrently_from_one_image_all_succeed()
    {
        var image = NewImage(Images, "ami");
        var volumes = Enumerable.Range(0, 4).Select(_ => NewImage(Volumes, "vol")).ToList();
        await Images.CreateImageAsync(image, 64UL << 20);

        await Task.WhenAll(volumes.Select(v => Images.CloneFromImageAsync(image, "base", Volumes, v)));

        Assert.That(await RbdChildrenAsync($"images/{image}"), Is.EquivalentTo(volumes.Select(v => $"volumes/{v}")));
    }

    [Test]
    public async Task Cloning_an_unprotected_or_missing_snapshot_directly_is_refused()
    {
        var image = NewImage(Images, "ami");
        var volume = NewImage(Volumes, "vol");
        await Images.CreateImageAsync(image, 64UL << 20);
        using (var opened = await Images.OpenImageAsync(image))
        {
            await opened.CreateSnapshotAsync("loose");
        }

        var unprotected = await Assert.ThrowsAsync<RbdException>(() => Images.CloneAsync(image, "loose", Volumes, volume));
        var missing = await Assert.ThrowsAsync<RbdException>(() => Images.CloneAsync(image, "nope", Volumes, volume));

        Assert.That(unprotected!.Error, Is.EqualTo(CephErrno.InvalidArgument));
        Assert.That(unprotected.Message, Does.Contain("not protected"));
        Assert.That(missing!.Error, Is.EqualTo(CephErrno.NotFound));
        Assert.That(await RbdListAsync("volumes"), Does.Not.Contain(volume));
    }

    [Test]
    public async Task Cloning_onto_an_existing_name_fails_with_exists()
    {
        var image = NewImage(Images, "ami");
        var volume = NewImage(Volumes, "vol");
        await Images.CreateImageAsync(image, 64UL << 20);
        await Volumes.CreateImageAsync(volume, 32UL << 20);

        var failure = await Assert.ThrowsAsync<RbdException>(() => Images.CloneFromImageAsync(image, "base", Volumes, volume));

        Assert.That(failure!.Error, Is.EqualTo(CephErrno.Exists));
        Assert.That((await Volumes.GetImageInfoAsync(volume)).Parent, Is.Null);
    }

    [Test]
    public async Task Flatten_detaches_the_clone_from_its_parent()
    {
        var image = NewImage(Images, "ami");
        var volume = NewImage(Volumes, "vol");
        await Images.CreateImageAsync(image, 256UL << 20);
        await Images.CloneFromImageAsync(image, "base", Volumes, volume);
        var reports = new List<RbdProgress>();

        await Volumes.FlattenImageAsync(volume, new Synchronous<RbdProgress>(reports.Add));

        Assert.That((await Volumes.GetImageInfoAsync(volume)).Parent, Is.Null);
        Assert.That((await RbdJsonAsync("info", $"volumes/{volume}")).TryGetProperty("parent", out _), Is.False);
        Assert.That(await RbdChildrenAsync($"images/{image}"), Is.Empty);
        Assert.That(reports, Is.Not.Empty);
        Assert.That(reports.Max(r => r.Total), Is.EqualTo(64UL), "256 MiB is 64 objects of 4 MiB");
        // With no clones left the snapshot can go, and then the image.
        using (var parent = await Images.OpenImageAsync(image))
        {
            await parent.UnprotectSnapshotAsync("base");
        }
        Assert.That(await Images.RemoveImageAsync(image, purgeSnapshots: true), Is.True);
        await Volumes.FlattenImageAsync(volume); // independent now: nothing to do
        Assert.That((await Volumes.GetImageInfoAsync(volume)).Parent, Is.Null);
    }

    [Test]
    public async Task A_cancelled_flatten_stops_and_leaves_a_valid_clone_that_a_later_flatten_completes()
    {
        var image = NewImage(Images, "ami");
        var volume = NewImage(Volumes, "vol");
        await Images.CreateImageAsync(image, 4UL << 30);
        await Images.CloneFromImageAsync(image, "base", Volumes, volume);
        using var cancel = new CancellationTokenSource();
        var reports = 0;

        var flatten = Volumes.FlattenImageAsync(volume, new Synchronous<RbdProgress>(_ =>
        {
            if (Interlocked.Increment(ref reports) == 1)
            {
                cancel.Cancel();
            }
        }), cancel.Token);

        Assert.That(() => flatten, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(reports, Is.LessThan(1024), "stopped long before the 1024 objects of 4 GiB");
        Assert.That((await Volumes.GetImageInfoAsync(volume)).Parent?.Image, Is.EqualTo(image));
        Assert.That((await RbdJsonAsync("info", $"volumes/{volume}")).GetProperty("parent").GetProperty("image").GetString(), Is.EqualTo(image));

        await Volumes.FlattenImageAsync(volume);
        Assert.That((await Volumes.GetImageInfoAsync(volume)).Parent, Is.Null);
    }

    [Test]
    public async Task Removing_an_image_that_has_clones_is_refused_naming_them_and_nothing_changes()
    {
        var image = NewImage(Images, "ami");
        var volume = NewImage(Volumes, "vol");
        await Images.CreateImageAsync(image, 64UL << 20);
        await Images.CloneFromImageAsync(image, "base", Volumes, volume);

        var refusal = await Assert.ThrowsAsync<RbdImageInUseException>(() => Images.RemoveImageAsync(image, purgeSnapshots: true));

        Assert.That(refusal!.Error, Is.EqualTo(CephErrno.Busy));
        Assert.That(refusal.Clones, Is.EqualTo(new[] { new RbdImageReference("volumes", volume) }));
        Assert.That(refusal.Watchers, Is.Empty);
        Assert.That(refusal.Message, Does.Contain($"it has 1 clone(s) (volumes/{volume})"));
        Assert.That(await RbdListAsync("images"), Does.Contain(image));
        var snapshot = (await RbdJsonAsync("snap", "ls", $"images/{image}")).EnumerateArray().Single();
        Assert.That((snapshot.GetProperty("name").GetString(), snapshot.GetProperty("protected").GetString()), Is.EqualTo(("base", "true")));
        Assert.That(await RbdChildrenAsync($"images/{image}"), Is.EqualTo(new[] { $"volumes/{volume}" }));
        Assert.That((await RbdJsonAsync("info", $"volumes/{volume}")).GetProperty("parent").GetProperty("image").GetString(), Is.EqualTo(image));
    }

    [Test]
    public async Task Unprotecting_a_snapshot_with_clones_is_refused_naming_them()
    {
        var image = NewImage(Images, "ami");
        var volume = NewImage(Volumes, "vol");
        await Images.CreateImageAsync(image, 64UL << 20);
        await Images.CloneFromImageAsync(image, "base", Volumes, volume);
        using var opened = await Images.OpenImageAsync(image);

        var refusal = await Assert.ThrowsAsync<RbdImageInUseException>(() => opened.UnprotectSnapshotAsync("base"));

        Assert.That(refusal!.Clones, Is.EqualTo(new[] { new RbdImageReference("volumes", volume) }));
        Assert.That((await opened.ListSnapshotsAsync()).Single().IsProtected, Is.True);
    }

    [Test]
    public async Task A_clone_can_be_removed_and_its_parent_after_it()
    {
        var image = NewImage(Images, "ami");
        var volume = NewImage(Volumes, "vol");
        await Images.CreateImageAsync(image, 64UL << 20);
        await Images.CloneFromImageAsync(image, "base", Volumes, volume);

        Assert.That(await Volumes.RemoveImageAsync(volume), Is.True);
        using (var parent = await Images.OpenImageAsync(image))
        {
            Assert.That(await parent.ListChildrenAsync(), Is.Empty);
            await parent.UnprotectSnapshotAsync("base");
        }

        Assert.That(await Images.RemoveImageAsync(image, purgeSnapshots: true), Is.True);
        Assert.That(await RbdListAsync("images"), Does.Not.Contain(image));
    }

    [Test]
    public async Task A_full_copy_is_independent_of_its_source()
    {
        var image = NewImage(Images, "ami");
        var copy = NewImage(Volumes, "vol");
        await Images.CreateImageAsync(image, 128UL << 20);
        (await RbdAsync("bench", "--io-type", "write", "--io-size", "4M", "--io-total", "16M", "--io-pattern", "seq", $"images/{image}")).EnsureSuccess();
        var reports = new List<RbdProgress>();

        var copied = await Images.CopyImageAsync(image, Volumes, copy, progress: new Synchronous<RbdProgress>(reports.Add));

        Assert.That(copied.Size, Is.EqualTo(128UL << 20));
        Assert.That(copied.Parent, Is.Null);
        Assert.That(reports.Last(), Is.EqualTo(new RbdProgress(128UL << 20, 128UL << 20)));
        var usage = (await RbdJsonAsync("du", $"volumes/{copy}")).GetProperty("images")[0].GetProperty("used_size").GetUInt64();
        Assert.That(usage, Is.EqualTo(16UL << 20), "only the written objects were copied");
        Assert.That(await Images.RemoveImageAsync(image), Is.True, "the source has no tie to the copy");
    }

    [Test]
    public async Task Copying_onto_an_existing_name_fails_with_exists_and_leaves_that_image_alone()
    {
        var image = NewImage(Images, "ami");
        var existing = NewImage(Volumes, "vol");
        await Images.CreateImageAsync(image, 64UL << 20);
        await Volumes.CreateImageAsync(existing, 32UL << 20);

        var failure = await Assert.ThrowsAsync<RbdException>(() => Images.CopyImageAsync(image, Volumes, existing));

        Assert.That(failure!.Error, Is.EqualTo(CephErrno.Exists));
        Assert.That((await RbdJsonAsync("info", $"volumes/{existing}")).GetProperty("size").GetUInt64(), Is.EqualTo(32UL << 20));
    }

    /// <summary>Reports on the reporting thread (Progress&lt;T&gt; would post them elsewhere, later).</summary>
    private sealed class Synchronous<T>(Action<T> report) : IProgress<T>
    {
        private readonly Lock _lock = new();

        public void Report(T value)
        {
            lock (_lock)
            {
                report(value);
            }
        }
    }
}

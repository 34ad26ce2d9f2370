using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Platform.Tests.Integration.Agent;

/// <summary>RbdService over gRPC against the test cluster: the commands, their refusals and input checks, checked with the rbd CLI.</summary>
public class RbdServiceTests : AgentRbdTestBase
{
    private const ulong MiB = 1 << 20;

    [Test]
    public async Task An_image_goes_through_create_list_get_resize_clone_flatten_and_remove_over_grpc()
    {
        var baseName = NewImage(Images, "life");
        var cloneName = NewImage(Volumes, "life");

        var created = await Client.CreateImageAsync(new CreateImageRequest { OperationId = NewOperationId(), Pool = "images", Name = baseName, SizeBytes = 64 * MiB }, deadline: Deadline());
        Assert.That((created.Pool, created.Name, created.SizeBytes, created.Parent), Is.EqualTo(("images", baseName, 64 * MiB, "")));

        var listed = await Client.ListImagesAsync(new ListImagesRequest { Pool = "images" }, deadline: Deadline());
        Assert.That(listed.Names, Does.Contain(baseName));
        Assert.That(await Client.GetImageAsync(new GetImageRequest { Pool = "images", Name = baseName }, deadline: Deadline()), Is.EqualTo(created));

        var resized = await Client.ResizeImageAsync(new ResizeImageRequest { OperationId = NewOperationId(), Pool = "images", Name = baseName, SizeBytes = 128 * MiB }, deadline: Deadline());
        Assert.That(resized.SizeBytes, Is.EqualTo(128 * MiB));
        Assert.That((await RbdInfoAsync($"images/{baseName}")).GetProperty("size").GetUInt64(), Is.EqualTo(128 * MiB));

        var clone = await Client.CloneImageAsync(new CloneImageRequest { OperationId = NewOperationId(), ParentPool = "images", ParentName = baseName, Pool = "volumes", Name = cloneName, SizeBytes = 256 * MiB }, deadline: Deadline());
        Assert.That(clone.Parent, Does.StartWith($"images/{baseName}@platform-clone-"));
        Assert.That(clone.SizeBytes, Is.EqualTo(256 * MiB), "grown to the requested size");
        var parentInfo = (await RbdInfoAsync($"volumes/{cloneName}")).GetProperty("parent");
        Assert.That((parentInfo.GetProperty("pool").GetString(), parentInfo.GetProperty("image").GetString()), Is.EqualTo(("images", baseName)));
        var parent = await Client.GetImageAsync(new GetImageRequest { Pool = "images", Name = baseName }, deadline: Deadline());
        Assert.That(parent.Children, Is.EqualTo(new[] { $"volumes/{cloneName}" }));
        Assert.That(parent.Snapshots, Has.Count.EqualTo(1));
        Assert.That(await RbdSnapshotsAsync($"images/{baseName}"), Is.EqualTo(new[] { (parent.Snapshots[0], true) }), "protected, as v1 clones need");

        var flattened = await Client.FlattenImageAsync(new FlattenImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = cloneName }, deadline: Deadline());
        Assert.That(flattened.Parent, Is.Empty);
        Assert.That((await RbdInfoAsync($"volumes/{cloneName}")).TryGetProperty("parent", out _), Is.False);
        Assert.That(await RbdChildrenAsync($"images/{baseName}"), Is.Empty);

        var removedClone = await Client.RemoveImageAsync(new RemoveImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = cloneName }, deadline: Deadline());
        var removedBase = await Client.RemoveImageAsync(new RemoveImageRequest { OperationId = NewOperationId(), Pool = "images", Name = baseName }, deadline: Deadline());
        Assert.That((removedClone.Existed, removedBase.Existed), Is.EqualTo((true, true)), "the base's clone snapshot, without clones now, went with it");
        Assert.That(await RbdListAsync("volumes"), Does.Not.Contain(cloneName));
        Assert.That(await RbdListAsync("images"), Does.Not.Contain(baseName));
    }

    [Test]
    public async Task Removing_an_image_with_a_clone_is_refused_naming_the_clone_and_changes_nothing()
    {
        var parentName = NewImage(Images, "busy");
        var childName = NewImage(Volumes, "busy");
        await Client.CreateImageAsync(new CreateImageRequest { OperationId = NewOperationId(), Pool = "images", Name = parentName, SizeBytes = 32 * MiB }, deadline: Deadline());
        await Client.CloneImageAsync(new CloneImageRequest { OperationId = NewOperationId(), ParentPool = "images", ParentName = parentName, Pool = "volumes", Name = childName }, deadline: Deadline());
        var snapshotsBefore = await RbdSnapshotsAsync($"images/{parentName}");

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await Client.RemoveImageAsync(new RemoveImageRequest { OperationId = NewOperationId(), Pool = "images", Name = parentName }, deadline: Deadline())))!;

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(error.Status.Detail, Does.Contain($"volumes/{childName}").And.Contain("clone"));
        var failure = error.GetRpcStatus()!.Details.Single().Unpack<Google.Rpc.PreconditionFailure>();
        Assert.That(failure.Violations.Select(v => (v.Type, v.Subject)), Is.EqualTo(new[] { ("HAS_CLONES", $"volumes/{childName}") }));
        Assert.That(await RbdListAsync("images"), Does.Contain(parentName));
        Assert.That(await RbdSnapshotsAsync($"images/{parentName}"), Is.EqualTo(snapshotsBefore), "the clone snapshot is still there and protected");
        Assert.That(await RbdChildrenAsync($"images/{parentName}"), Is.EqualTo(new[] { $"volumes/{childName}" }));
    }

    [Test]
    public async Task Clones_of_one_parent_share_one_protected_snapshot_also_when_the_first_ones_race_to_make_it()
    {
        var parentName = NewImage(Images, "shared");
        var children = Enumerable.Range(0, 4).Select(_ => NewImage(Volumes, "shared")).ToList();
        await Client.CreateImageAsync(new CreateImageRequest { OperationId = NewOperationId(), Pool = "images", Name = parentName, SizeBytes = 16 * MiB }, deadline: Deadline());

        // The first clones race to create and protect the snapshot; a later one (grown) finds it ready.
        var racing = await Task.WhenAll(children.Take(3).Select(async child => await Client.CloneImageAsync(
            new CloneImageRequest { OperationId = NewOperationId(), ParentPool = "images", ParentName = parentName, Pool = "volumes", Name = child }, deadline: Deadline())));
        var later = await Client.CloneImageAsync(
            new CloneImageRequest { OperationId = NewOperationId(), ParentPool = "images", ParentName = parentName, Pool = "volumes", Name = children[3], SizeBytes = 32 * MiB }, deadline: Deadline());

        var snapshot = Platform.Agent.Storage.Commands.RbdCommands.SharedCloneSnapshot;
        Assert.That(racing.Append(later).Select(c => c.Parent), Is.All.EqualTo($"images/{parentName}@{snapshot}"));
        Assert.That(racing.Select(c => c.SizeBytes), Is.All.EqualTo(16 * MiB));
        Assert.That(later.SizeBytes, Is.EqualTo(32 * MiB));
        Assert.That(await RbdSnapshotsAsync($"images/{parentName}"), Is.EqualTo(new[] { (snapshot, true) }), "one protected snapshot for all clones");
        Assert.That(await RbdChildrenAsync($"images/{parentName}"), Is.EquivalentTo(children.Select(c => $"volumes/{c}")));
    }

    [Test]
    public async Task Removing_a_missing_image_succeeds_with_existed_false()
    {
        var name = NewImage(Volumes, "gone");

        var removed = await Client.RemoveImageAsync(new RemoveImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name }, deadline: Deadline());

        Assert.That(removed.Existed, Is.False);
    }

    [Test]
    public async Task A_create_with_metacharacter_names_an_absurd_size_an_unknown_pool_and_no_operation_id_lists_every_violation_and_creates_nothing()
    {
        var before = (await RbdListAsync("images")).Concat(await RbdListAsync("volumes")).ToList();

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await Client.CreateImageAsync(
            new CreateImageRequest { OperationId = "", Pool = "rbd", Name = "<disk type='network'/>;rm -rf /", SizeBytes = 1UL << 62 },
            deadline: Deadline())))!;

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(ViolatedFields(error), Is.EqualTo(new[] { "name", "operation_id", "pool", "size_bytes" }));
        var after = (await RbdListAsync("images")).Concat(await RbdListAsync("volumes")).ToList();
        Assert.That(after.Where(n => !before.Contains(n)).Where(n => n.Contains("disk", StringComparison.Ordinal) || n.Contains('<')), Is.Empty);
    }

    [Test]
    public async Task A_clone_with_shell_metacharacters_and_an_absurd_size_lists_every_violation_and_creates_nothing()
    {
        var parentName = NewImage(Images, "meta");
        await Client.CreateImageAsync(new CreateImageRequest { OperationId = NewOperationId(), Pool = "images", Name = parentName, SizeBytes = 8 * MiB }, deadline: Deadline());

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await Client.CloneImageAsync(
            new CloneImageRequest { OperationId = NewOperationId(), ParentPool = "images", ParentName = "base`id`", Pool = "volumes", Name = "$(reboot)&vm", SizeBytes = ulong.MaxValue },
            deadline: Deadline())))!;

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(ViolatedFields(error), Is.EqualTo(new[] { "name", "parent_name", "size_bytes" }));
        Assert.That(await RbdSnapshotsAsync($"images/{parentName}"), Is.Empty);
        Assert.That(await RbdListAsync("volumes"), Has.None.Contains("reboot"));
    }

    [TestCase("create")]
    [TestCase("remove")]
    [TestCase("resize")]
    [TestCase("clone")]
    [TestCase("flatten")]
    public async Task Every_mutating_command_without_an_operation_id_is_invalid_argument(string command)
    {
        var name = NewImage(Volumes, "noop");
        Func<Task> call = command switch
        {
            "create" => async () => await Client.CreateImageAsync(new CreateImageRequest { Pool = "volumes", Name = name, SizeBytes = MiB }, deadline: Deadline()),
            "remove" => async () => await Client.RemoveImageAsync(new RemoveImageRequest { Pool = "volumes", Name = name }, deadline: Deadline()),
            "resize" => async () => await Client.ResizeImageAsync(new ResizeImageRequest { Pool = "volumes", Name = name, SizeBytes = MiB }, deadline: Deadline()),
            "clone" => async () => await Client.CloneImageAsync(new CloneImageRequest { ParentPool = "images", ParentName = name, Pool = "volumes", Name = name + "c" }, deadline: Deadline()),
            _ => async () => await Client.FlattenImageAsync(new FlattenImageRequest { Pool = "volumes", Name = name }, deadline: Deadline()),
        };

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await call()))!;

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(ViolatedFields(error), Is.EqualTo(new[] { "operation_id" }));
    }

    [Test]
    public async Task Unknown_images_are_not_found_and_a_clone_of_one_creates_nothing()
    {
        var missing = NewImage(Volumes, "none");
        var child = NewImage(Volumes, "none");

        var get = (await Assert.ThrowsAsync<RpcException>(async () => await Client.GetImageAsync(new GetImageRequest { Pool = "volumes", Name = missing }, deadline: Deadline())))!;
        var resize = (await Assert.ThrowsAsync<RpcException>(async () => await Client.ResizeImageAsync(new ResizeImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = missing, SizeBytes = MiB }, deadline: Deadline())))!;
        var flatten = (await Assert.ThrowsAsync<RpcException>(async () => await Client.FlattenImageAsync(new FlattenImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = missing }, deadline: Deadline())))!;
        var clone = (await Assert.ThrowsAsync<RpcException>(async () => await Client.CloneImageAsync(new CloneImageRequest { OperationId = NewOperationId(), ParentPool = "volumes", ParentName = missing, Pool = "volumes", Name = child }, deadline: Deadline())))!;

        Assert.That(new[] { get, resize, flatten, clone }.Select(e => e.StatusCode), Is.All.EqualTo(StatusCode.NotFound));
        Assert.That(get.Status.Detail, Does.Contain($"volumes/{missing}"));
        Assert.That(await RbdListAsync("volumes"), Does.Not.Contain(missing).And.Not.Contain(child));
    }

    [Test]
    public async Task A_shrink_is_refused_unless_allowed_and_then_shrinks()
    {
        var name = NewImage(Volumes, "shrink");
        await Client.CreateImageAsync(new CreateImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name, SizeBytes = 16 * MiB }, deadline: Deadline());

        var refused = (await Assert.ThrowsAsync<RpcException>(async () => await Client.ResizeImageAsync(new ResizeImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name, SizeBytes = 8 * MiB }, deadline: Deadline())))!;
        Assert.That(refused.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(refused.Status.Detail, Does.Contain("shrink"));
        Assert.That((await RbdInfoAsync($"volumes/{name}")).GetProperty("size").GetUInt64(), Is.EqualTo(16 * MiB));

        var shrunk = await Client.ResizeImageAsync(new ResizeImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name, SizeBytes = 8 * MiB, AllowShrink = true }, deadline: Deadline());
        Assert.That(shrunk.SizeBytes, Is.EqualTo(8 * MiB));
        Assert.That((await RbdInfoAsync($"volumes/{name}")).GetProperty("size").GetUInt64(), Is.EqualTo(8 * MiB));
    }

    [Test]
    public async Task Creating_over_an_existing_image_of_another_size_is_already_exists()
    {
        var name = NewImage(Volumes, "dup");
        (await RbdAsync("create", "--size", "4M", $"volumes/{name}")).EnsureSuccess();

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await Client.CreateImageAsync(new CreateImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name, SizeBytes = 8 * MiB }, deadline: Deadline())))!;

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.AlreadyExists));
        Assert.That((await RbdInfoAsync($"volumes/{name}")).GetProperty("size").GetUInt64(), Is.EqualTo(4 * MiB));
    }
}

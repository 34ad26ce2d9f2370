using Platform.Agent.Storage.Commands;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Platform.Tests.Integration.Agent;

/// <summary>
/// A mutating RbdService command repeated with its operation id: answered from the operation
/// journal (also after the agent was killed), or — when no outcome was recorded — converging on
/// what an interrupted attempt left.
/// </summary>
public class RbdServiceIdempotencyTests : AgentRbdTestBase
{
    private const ulong MiB = 1 << 20;

    [Test]
    public async Task The_same_operation_id_twice_gets_the_same_answer_and_one_image()
    {
        var name = NewImage(Volumes, "twice");
        var request = new CreateImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name, SizeBytes = 8 * MiB };

        var first = await Client.CreateImageAsync(request, deadline: Deadline());
        // Changed behind the agent's back: a repeat that ran again would answer 12 MiB, or fail.
        (await RbdAsync("resize", "--no-progress", "--size", "12M", $"volumes/{name}")).EnsureSuccess();
        var second = await Client.CreateImageAsync(request, deadline: Deadline());

        Assert.That(second, Is.EqualTo(first));
        Assert.That((await RbdListAsync("volumes")).Count(n => n == name), Is.EqualTo(1));
    }

    [Test]
    public async Task A_repeated_remove_gets_the_first_answer_existed_true_while_a_new_operation_id_gets_false()
    {
        var name = NewImage(Volumes, "rmtwice");
        await Client.CreateImageAsync(new CreateImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name, SizeBytes = MiB }, deadline: Deadline());
        var remove = new RemoveImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name };

        var first = await Client.RemoveImageAsync(remove, deadline: Deadline());
        var repeated = await Client.RemoveImageAsync(remove, deadline: Deadline());
        var fresh = await Client.RemoveImageAsync(new RemoveImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name }, deadline: Deadline());

        Assert.That((first.Existed, repeated.Existed, fresh.Existed), Is.EqualTo((true, true, false)));
    }

    [Test]
    public async Task The_same_operation_id_with_a_different_request_is_failed_precondition_and_does_nothing()
    {
        var name = NewImage(Volumes, "reuse");
        var other = NewImage(Volumes, "reuse");
        var operationId = NewOperationId();
        await Client.CreateImageAsync(new CreateImageRequest { OperationId = operationId, Pool = "volumes", Name = name, SizeBytes = MiB }, deadline: Deadline());

        var differentRequest = (await Assert.ThrowsAsync<RpcException>(async () => await Client.CreateImageAsync(new CreateImageRequest { OperationId = operationId, Pool = "volumes", Name = other, SizeBytes = MiB }, deadline: Deadline())))!;
        var differentMethod = (await Assert.ThrowsAsync<RpcException>(async () => await Client.RemoveImageAsync(new RemoveImageRequest { OperationId = operationId, Pool = "volumes", Name = name }, deadline: Deadline())))!;

        Assert.That(new[] { differentRequest.StatusCode, differentMethod.StatusCode }, Is.All.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(differentRequest.Status.Detail, Does.Contain("operation id reused for a different request"));
        var images = await RbdListAsync("volumes");
        Assert.That(images, Does.Contain(name).And.Not.Contain(other));
    }

    [Test]
    public async Task A_recorded_refusal_is_answered_again_with_the_same_status()
    {
        var name = NewImage(Volumes, "refuse");
        var request = new GetImageRequest { Pool = "volumes", Name = name };
        var flatten = new FlattenImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name };

        var first = (await Assert.ThrowsAsync<RpcException>(async () => await Client.FlattenImageAsync(flatten, deadline: Deadline())))!;
        (await RbdAsync("create", "--size", "1M", $"volumes/{name}")).EnsureSuccess();
        var repeated = (await Assert.ThrowsAsync<RpcException>(async () => await Client.FlattenImageAsync(flatten, deadline: Deadline())))!;

        Assert.That((repeated.StatusCode, repeated.Status.Detail), Is.EqualTo((first.StatusCode, first.Status.Detail)));
        Assert.That(first.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That((await Client.GetImageAsync(request, deadline: Deadline())).Name, Is.EqualTo(name), "the image exists now: the repeat was answered, not run");
    }

    [Test]
    public async Task After_the_agent_is_killed_repeated_operation_ids_get_the_same_answers_without_a_second_image_or_clone()
    {
        var parentName = NewImage(Images, "kill");
        var childName = NewImage(Volumes, "kill");
        var gone = NewImage(Volumes, "kill");
        var create = new CreateImageRequest { OperationId = NewOperationId(), Pool = "images", Name = parentName, SizeBytes = 16 * MiB };
        var clone = new CloneImageRequest { OperationId = NewOperationId(), ParentPool = "images", ParentName = parentName, Pool = "volumes", Name = childName, SizeBytes = 32 * MiB };
        var remove = new RemoveImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = gone };
        (await RbdAsync("create", "--size", "1M", $"volumes/{gone}")).EnsureSuccess();
        var created = await Client.CreateImageAsync(create, deadline: Deadline());
        var cloned = await Client.CloneImageAsync(clone, deadline: Deadline());
        var removed = await Client.RemoveImageAsync(remove, deadline: Deadline());

        await RestartAgentAsync(kill: true);

        Assert.That(await Client.CreateImageAsync(create, deadline: Deadline()), Is.EqualTo(created));
        Assert.That(await Client.CloneImageAsync(clone, deadline: Deadline()), Is.EqualTo(cloned));
        Assert.That((await Client.RemoveImageAsync(remove, deadline: Deadline())).Existed, Is.EqualTo(removed.Existed).And.True, "replayed: run again it would say false");
        Assert.That((await RbdListAsync("images")).Count(n => n == parentName), Is.EqualTo(1));
        Assert.That(await RbdChildrenAsync($"images/{parentName}"), Is.EqualTo(new[] { $"volumes/{childName}" }));
        Assert.That(await RbdSnapshotsAsync($"images/{parentName}"), Has.Count.EqualTo(1), "one clone snapshot: the clone was not made again");
    }

    [Test]
    public async Task A_create_cut_off_after_the_image_was_made_converges_on_retry()
    {
        var name = NewImage(Volumes, "crashc");
        // What a crash between rbd_create and the journal record leaves: the image, no outcome.
        (await RbdAsync("create", "--size", "6M", $"volumes/{name}")).EnsureSuccess();

        var created = await Client.CreateImageAsync(new CreateImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name, SizeBytes = 6 * MiB }, deadline: Deadline());

        Assert.That((created.Name, created.SizeBytes), Is.EqualTo((name, 6 * MiB)));
        Assert.That((await RbdListAsync("volumes")).Count(n => n == name), Is.EqualTo(1));
    }

    [Test]
    public async Task A_clone_cut_off_after_the_clone_was_made_converges_on_retry_without_a_second_snapshot()
    {
        var parentName = NewImage(Images, "crashk");
        var childName = NewImage(Volumes, "crashk");
        var operationId = NewOperationId();
        (await RbdAsync("create", "--size", "4M", $"images/{parentName}")).EnsureSuccess();
        // What a crash after rbd_clone3 leaves: the operation's snapshot, protected, and the clone.
        var snapshot = $"images/{parentName}@{RbdCommands.CloneSnapshotName(operationId, "volumes", childName)}";
        (await RbdAsync("snap", "create", snapshot)).EnsureSuccess();
        (await RbdAsync("snap", "protect", snapshot)).EnsureSuccess();
        (await RbdAsync("clone", snapshot, $"volumes/{childName}")).EnsureSuccess();

        var cloned = await Client.CloneImageAsync(new CloneImageRequest { OperationId = operationId, ParentPool = "images", ParentName = parentName, Pool = "volumes", Name = childName, SizeBytes = 8 * MiB }, deadline: Deadline());

        Assert.That((cloned.Parent, cloned.SizeBytes), Is.EqualTo((snapshot, 8 * MiB)), "taken as done, and grown as asked");
        Assert.That(await RbdSnapshotsAsync($"images/{parentName}"), Has.Count.EqualTo(1));
        Assert.That(await RbdChildrenAsync($"images/{parentName}"), Is.EqualTo(new[] { $"volumes/{childName}" }));
    }

    [Test]
    public async Task A_clone_onto_a_name_taken_by_another_image_is_already_exists_and_leaves_the_parent_alone()
    {
        var parentName = NewImage(Images, "taken");
        var childName = NewImage(Volumes, "taken");
        (await RbdAsync("create", "--size", "4M", $"images/{parentName}")).EnsureSuccess();
        (await RbdAsync("create", "--size", "4M", $"volumes/{childName}")).EnsureSuccess();

        var error = (await Assert.ThrowsAsync<RpcException>(async () => await Client.CloneImageAsync(new CloneImageRequest { OperationId = NewOperationId(), ParentPool = "images", ParentName = parentName, Pool = "volumes", Name = childName }, deadline: Deadline())))!;

        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.AlreadyExists));
        Assert.That(await RbdSnapshotsAsync($"images/{parentName}"), Is.Empty);
    }
}

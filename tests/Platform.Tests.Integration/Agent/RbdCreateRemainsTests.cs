using Platform.Contracts.Agent.V1;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Agent;

/// <summary>
/// What an agent killed inside rbd_create leaves: the pool's directory entry and the image's id
/// object, but no header — listed by rbd ls, impossible to open. Removing it clears the remains
/// (not "existed: false" with the entry left for ever), and a retried create or clone replaces
/// them with the image asked for.
/// </summary>
public class RbdCreateRemainsTests : AgentRbdTestBase
{
    private const ulong MiB = 1 << 20;

    [Test]
    public async Task Removing_remains_without_a_header_clears_them_and_answers_existed()
    {
        var name = NewImage(Volumes, "remains");
        await MakeRemainsAsync("volumes", name);
        Assert.That(await RbdListAsync("volumes"), Does.Contain(name), "the remains are listed");

        var removed = await Client.RemoveImageAsync(new RemoveImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name }, deadline: Deadline());

        Assert.That(removed.Existed, Is.True);
        Assert.That(await RbdListAsync("volumes"), Does.Not.Contain(name));
    }

    [Test]
    public async Task A_create_over_the_remains_of_an_interrupted_one_makes_the_image()
    {
        var name = NewImage(Volumes, "remainsc");
        await MakeRemainsAsync("volumes", name);

        var created = await Client.CreateImageAsync(new CreateImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name, SizeBytes = 6 * MiB }, deadline: Deadline());

        Assert.That((created.Name, created.SizeBytes), Is.EqualTo((name, 6 * MiB)));
        var info = await RbdJsonAsync("info", $"volumes/{name}");
        Assert.That(info.GetProperty("size").GetUInt64(), Is.EqualTo(6 * MiB), "the image opens and has the size asked for");
        Assert.That((await RbdListAsync("volumes")).Count(n => n == name), Is.EqualTo(1));
    }

    [Test]
    public async Task A_clone_over_the_remains_of_an_interrupted_one_makes_the_clone()
    {
        var parent = NewImage(Images, "remainsp");
        var child = NewImage(Volumes, "remainsk");
        (await RbdAsync("create", "--size", "4M", $"images/{parent}")).EnsureSuccess();
        await MakeRemainsAsync("volumes", child);

        var cloned = await Client.CloneImageAsync(new CloneImageRequest { OperationId = NewOperationId(), ParentPool = "images", ParentName = parent, Pool = "volumes", Name = child }, deadline: Deadline());

        Assert.That(cloned.Parent, Does.StartWith($"images/{parent}@"));
        Assert.That(await RbdChildrenAsync($"images/{parent}"), Is.EqualTo(new[] { $"volumes/{child}" }));
    }

    /// <summary>An image whose header object is gone: exactly what a create cut off before writing it leaves.</summary>
    private async Task MakeRemainsAsync(string pool, string name)
    {
        (await RbdAsync("create", "--size", "4M", $"{pool}/{name}")).EnsureSuccess();
        var id = (await RbdJsonAsync("info", $"{pool}/{name}")).GetProperty("id").GetString();
        (await ChildProcess.RunAsync("rados", ["--conf", Ceph["PLATFORM_CEPH_CONF"], "--id", Ceph["PLATFORM_CEPH_USER"], "-p", pool, "rm", $"rbd_header.{id}"], TimeSpan.FromMinutes(1))).EnsureSuccess();
        Assert.That((await RbdAsync("info", $"{pool}/{name}")).ExitCode, Is.Not.Zero, "the remains do not open");
    }
}

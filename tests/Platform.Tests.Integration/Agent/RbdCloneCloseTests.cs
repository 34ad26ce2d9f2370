using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Storage;

namespace Platform.Tests.Integration.Agent;

/// <summary>
/// Clones of one parent made, grown, read and removed side by side through a private agent, as
/// volume churn does. Every step opens and closes clones, and closing a clone closes the parent
/// image librbd opened with it: librbd 16 with more than one completion thread frees that parent's
/// context while its close is still finishing on another thread, and the agent dies
/// (std::system_error "Invalid argument", or a segfault) once the freed memory has been reused.
/// Fails until that is fixed: librados_thread_count=1 stopped the crash but hung flattens.
/// </summary>
[TestFixture]
[Explicit("reproduces librbd 16's use-after-free when a clone is closed: fails until it is avoided")]
public sealed class RbdCloneCloseTests : RbdTestBase
{
    private const ulong MiB = 1 << 20;

    private const int Workers = 4;

    private const int RoundsPerWorker = 12;

    [Test]
    public async Task The_agent_stays_up_while_clones_of_one_parent_are_made_read_and_removed_side_by_side()
    {
        await using var agent = await AgentProcess.StartAsync(new AgentProcessOptions
        {
            Environment = new Dictionary<string, string>
            {
                ["PLATFORM_Storage__CephConf"] = Ceph["PLATFORM_CEPH_CONF"],
                ["PLATFORM_Storage__CephUser"] = Ceph["PLATFORM_CEPH_USER"],
                // glibc fills freed memory with this byte, so that a use of freed memory fails on
                // the spot instead of once in thousands of calls, when the memory happens to be reused.
                ["MALLOC_PERTURB_"] = "165",
            },
        });
        using var channel = GrpcChannel.ForAddress(agent.GrpcUrl);
        var client = new RbdService.RbdServiceClient(channel);
        var parent = NewImage(Images, "close-parent");
        await client.CreateImageAsync(new CreateImageRequest { OperationId = NewOperationId(), Pool = "images", Name = parent, SizeBytes = 16 * MiB }, deadline: Deadline());
        var clones = Enumerable.Range(0, Workers * RoundsPerWorker).Select(_ => NewImage(Volumes, "close")).ToArray();

        try
        {
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
            {
                for (var round = 0; round < RoundsPerWorker; round++)
                {
                    var name = clones[worker * RoundsPerWorker + round];
                    // Larger than the parent: cloned, then grown through a read-write open of the clone.
                    await client.CloneImageAsync(new CloneImageRequest { OperationId = NewOperationId(), ParentPool = "images", ParentName = parent, Pool = "volumes", Name = name, SizeBytes = 32 * MiB }, deadline: Deadline());
                    var read = await client.GetImageAsync(new GetImageRequest { Pool = "volumes", Name = name }, deadline: Deadline());
                    Assert.That(read.Parent, Does.StartWith($"images/{parent}@"));
                    var removed = await client.RemoveImageAsync(new RemoveImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name }, deadline: Deadline());
                    Assert.That(removed.Existed, Is.True);
                }
            })));
        }
        catch (RpcException e)
        {
            Assert.Fail($"{e.Status}; agent {(agent.HasExited ? "exited" : "still running")}, last output:\n{Tail(agent.Output)}");
        }

        Assert.That(agent.HasExited, Is.False, () => $"the agent exited; last output:\n{Tail(agent.Output)}");
        Assert.That((await RbdListAsync("volumes")).Intersect(clones), Is.Empty, "every clone was removed");
    }

    private static string NewOperationId() => "op-" + Guid.NewGuid().ToString("N");

    private static DateTime Deadline() => DateTime.UtcNow.AddMinutes(2);

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(20));
}

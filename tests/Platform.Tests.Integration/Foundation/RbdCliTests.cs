using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Foundation;

/// <summary>The one-node Ceph through the rbd CLI, as the least-privilege client the agent uses.</summary>
public class RbdCliTests
{
    private ComponentSettings _ceph = null!;

    [SetUp]
    public void RequireCeph() => _ceph = TestEnvironment.Require("ceph");

    [TestCase("images")]
    [TestCase("volumes")]
    public async Task Creates_lists_inspects_and_removes_an_image(string pool)
    {
        var name = "itest-" + Guid.NewGuid().ToString("N")[..8];

        await Rbd("create", "--size", "64M", $"{pool}/{name}");
        try
        {
            Assert.That(await ListAsync(pool), Does.Contain(name));

            using var info = JsonDocument.Parse(await Rbd("info", "--format", "json", $"{pool}/{name}"));
            Assert.That(info.RootElement.GetProperty("size").GetInt64(), Is.EqualTo(64L << 20));
        }
        finally
        {
            await Rbd("rm", "--no-progress", $"{pool}/{name}");
        }

        Assert.That(await ListAsync(pool), Does.Not.Contain(name));
    }

    [Test]
    public async Task Platform_client_cannot_touch_pools_outside_its_caps()
    {
        var result = await ChildProcess.RunAsync("ceph", ["--conf", _ceph["PLATFORM_CEPH_CONF"], "--id", _ceph["PLATFORM_CEPH_USER"], "osd", "pool", "create", "itest-" + Guid.NewGuid().ToString("N")[..8]], TimeSpan.FromSeconds(30));

        Assert.That(result.ExitCode, Is.Not.Zero, "client.platform must not be able to create pools");
    }

    private async Task<IReadOnlyList<string>> ListAsync(string pool) =>
        JsonSerializer.Deserialize<string[]>(await Rbd("ls", "--format", "json", pool)) ?? [];

    private Task<string> Rbd(params string[] arguments) =>
        ChildProcess.OutputOfAsync("rbd", ["--conf", _ceph["PLATFORM_CEPH_CONF"], "--id", _ceph["PLATFORM_CEPH_USER"], .. arguments]);
}

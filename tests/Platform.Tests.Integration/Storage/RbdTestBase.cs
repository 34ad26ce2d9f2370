using System.Text.Json;
using Platform.Agent.Storage.Rbd;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Storage;

/// <summary>
/// The binding connected to the run's test cluster as client.platform, both pools open, the rbd
/// CLI for independent checks, and clean-up (through the CLI) of every image a test registered.
/// </summary>
public abstract class RbdTestBase
{
    private readonly List<(string Pool, string Name)> _created = [];

    private protected ComponentSettings Ceph { get; private set; } = null!;

    private protected CephCluster Cluster { get; private set; } = null!;

    private protected RbdPool Images { get; private set; } = null!;

    private protected RbdPool Volumes { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task ConnectAsync()
    {
        Ceph = TestEnvironment.Require("ceph");
        Cluster = await CephCluster.ConnectAsync(CephConnectionOptions.FromConfFile(Ceph["PLATFORM_CEPH_CONF"], Ceph["PLATFORM_CEPH_USER"]));
        Images = await Cluster.OpenPoolAsync("images");
        Volumes = await Cluster.OpenPoolAsync("volumes");
    }

    [OneTimeTearDown]
    public void Disconnect()
    {
        Images?.Dispose();
        Volumes?.Dispose();
        Cluster?.Dispose();
    }

    [TearDown]
    public async Task RemoveCreatedImagesAsync()
    {
        // Newest first: clones go before their parents.
        for (var i = _created.Count - 1; i >= 0; i--)
        {
            var spec = $"{_created[i].Pool}/{_created[i].Name}";
            var removed = await RbdAsync(["rm", "--no-progress", spec]);
            if (removed.ExitCode == 0 || removed.StandardError.Contains("No such file", StringComparison.Ordinal))
            {
                continue;
            }
            var snapshots = await RbdAsync(["snap", "ls", "--format", "json", spec]);
            if (snapshots.ExitCode != 0)
            {
                continue;
            }
            using (var listed = JsonDocument.Parse(snapshots.StandardOutput))
            {
                foreach (var snapshot in listed.RootElement.EnumerateArray().Where(s => s.GetProperty("protected").GetString() == "true"))
                {
                    await RbdAsync(["snap", "unprotect", $"{spec}@{snapshot.GetProperty("name").GetString()}"]);
                }
            }
            await RbdAsync(["snap", "purge", "--no-progress", spec]);
            await RbdAsync(["rm", "--no-progress", spec]);
        }
        _created.Clear();
    }

    /// <summary>A name no other test uses, removed after the test (from <paramref name="pool"/>).</summary>
    private protected string NewImage(RbdPool pool, string prefix = "it")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
        _created.Add((pool.Name, name));
        return name;
    }

    private protected Task<ProcessResult> RbdAsync(params string[] arguments) =>
        ChildProcess.RunAsync("rbd", ["--conf", Ceph["PLATFORM_CEPH_CONF"], "--id", Ceph["PLATFORM_CEPH_USER"], .. arguments], TimeSpan.FromMinutes(5));

    /// <summary>The rbd CLI's JSON answer; fails the test when the command fails.</summary>
    private protected async Task<JsonElement> RbdJsonAsync(params string[] arguments)
    {
        var result = (await RbdAsync([.. arguments, "--format", "json"])).EnsureSuccess();
        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.Clone();
    }

    private protected async Task<IReadOnlyList<string>> RbdListAsync(string pool) =>
        (await RbdJsonAsync("ls", pool)).EnumerateArray().Select(e => e.GetString()!).ToList();

    /// <summary>"pool/image" of each clone of any snapshot of the image, per the rbd CLI.</summary>
    private protected async Task<IReadOnlyList<string>> RbdChildrenAsync(string spec) =>
        (await RbdJsonAsync("children", spec)).EnumerateArray()
            .Select(e => $"{e.GetProperty("pool").GetString()}/{e.GetProperty("image").GetString()}")
            .ToList();
}

using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using Platform.Agent.Operations;
using Platform.Contracts.Agent.V1;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.Soak;

namespace Platform.Tests.Integration.Agent;

/// <summary>
/// An agent whose journal holds tens of thousands of recorded outcomes (as a busy week leaves
/// it): its memory grows by a small index, not by the outcomes, and a repeated operation is still
/// answered with its recorded response, read from the file, also after the agent was killed.
/// </summary>
[NonParallelizable]
public sealed class OperationJournalMemoryTests
{
    private const int Records = 30_000;
    private const int SnapshotsPerResponse = 64;
    private const string CreateImage = "/platform.agent.v1.RbdService/CreateImage";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private ComponentSettings _ceph = null!;
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _ceph = TestEnvironment.Require("ceph");
        _directory = Directory.CreateTempSubdirectory("platform-journal-memory-").FullName;
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task Thirty_thousand_recorded_outcomes_cost_an_index_in_memory_and_are_replayed_from_the_file()
    {
        var name = "jm-" + Guid.NewGuid().ToString("N")[..10];
        var replayRequest = new CreateImageRequest { OperationId = "op-replay-" + name, Pool = "volumes", Name = name, SizeBytes = 1 << 20 };
        var recordedResponse = new RbdImage { Pool = "volumes", Name = name, SizeBytes = 12_345 };
        var busy = Path.Combine(_directory, "busy", "operations.journal");
        WriteJournal(busy, replayRequest, recordedResponse);
        var fileMib = new FileInfo(busy).Length / 1048576.0;

        var fresh = await OpenedJournalRssAsync(Path.Combine(_directory, "fresh", "operations.journal"));
        await using var agent = await StartAgentAsync(busy);
        var loaded = await OpenedJournalRssAsync(agent);
        TestContext.Out.WriteLine($"journal {Records + 1} records, {fileMib:0.0} MiB on disk; agent RSS with it open {loaded.RssMib:0.0} MiB, with an empty one {fresh.RssMib:0.0} MiB: +{loaded.RssMib - fresh.RssMib:0.0} MiB");

        Assert.That(loaded.RssMib - fresh.RssMib, Is.LessThan(40), $"MiB of agent memory the loaded journal costs (its outcomes are {fileMib:0} MiB on disk)");
        var description = await JournalHealthAsync(agent);
        TestContext.Out.WriteLine($"health: {description}");
        Assert.That(description, Does.StartWith($"{Records + 2} outcomes indexed in "));
        var indexKib = long.Parse(description.Split(' ')[4], System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(indexKib * 1024.0 / (Records + 2), Is.LessThan(400), "bytes of index per outcome");

        Assert.That(await ReplayAsync(agent, replayRequest), Is.EqualTo(recordedResponse), "answered from the file: the size is the recorded one");
        await agent.KillAsync();
        await using var restarted = await StartAgentAsync(busy);
        Assert.That(await ReplayAsync(restarted, replayRequest), Is.EqualTo(recordedResponse), "after a kill too");
        var images = await ChildProcess.OutputOfAsync("rbd", "--conf", _ceph["PLATFORM_CEPH_CONF"], "--id", _ceph["PLATFORM_CEPH_USER"], "ls", "volumes");
        Assert.That(images.Split('\n', StringSplitOptions.TrimEntries), Does.Not.Contain(name), "replayed, never run");
    }

    /// <summary>
    /// <see cref="Records"/> outcomes of CreateImage, each response an image with 64 snapshots
    /// (~2 KiB, as a base image with many clones answers), then the outcome to replay, all recorded now.
    /// </summary>
    private static void WriteJournal(string path, CreateImageRequest replayRequest, RbdImage recordedResponse)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var now = DateTimeOffset.UtcNow;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        for (var i = 0; i < Records; i++)
        {
            var request = new CreateImageRequest { OperationId = $"op-{Guid.NewGuid():N}", Pool = "volumes", Name = $"vol-{i:D8}", SizeBytes = 1 << 30 };
            var response = new RbdImage { Pool = "volumes", Name = request.Name, SizeBytes = request.SizeBytes };
            response.Snapshots.AddRange(Enumerable.Range(0, SnapshotsPerResponse).Select(s => $"platform-clone-{s:D16}"));
            file.Write(OperationJournalFile.Serialize(Record(request, response, now)));
        }
        file.Write(OperationJournalFile.Serialize(Record(replayRequest, recordedResponse, now)));
    }

    private static OperationRecord Record(CreateImageRequest request, RbdImage response, DateTimeOffset at) =>
        OperationRecord.Success(request.OperationId, CreateImage, Convert.ToHexStringLower(SHA256.HashData(request.ToByteArray())), at, response.ToByteArray());

    private Task<AgentProcess> StartAgentAsync(string journal) =>
        AgentProcess.StartAsync(new AgentProcessOptions
        {
            Environment = new Dictionary<string, string>
            {
                ["PLATFORM_Storage__CephConf"] = _ceph["PLATFORM_CEPH_CONF"],
                ["PLATFORM_Storage__CephUser"] = _ceph["PLATFORM_CEPH_USER"],
                ["PLATFORM_Operations__JournalPath"] = journal,
            },
            StartTimeout = TimeSpan.FromSeconds(60),
        });

    private async Task<ProcessFigures> OpenedJournalRssAsync(string journal)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(journal)!);
        await using var agent = await StartAgentAsync(journal);
        return await OpenedJournalRssAsync(agent);
    }

    /// <summary>
    /// Opens the agent's journal with one mutating call that touches nothing (removing an image that
    /// does not exist), then the agent's figures once its RSS has stopped moving.
    /// </summary>
    private static async Task<ProcessFigures> OpenedJournalRssAsync(AgentProcess agent)
    {
        using var channel = GrpcChannel.ForAddress(agent.GrpcUrl);
        var client = new RbdService.RbdServiceClient(channel);
        await client.RemoveImageAsync(new RemoveImageRequest { OperationId = $"op-{Guid.NewGuid():N}", Pool = "volumes", Name = "jm-none-" + Guid.NewGuid().ToString("N")[..8] }, deadline: DateTime.UtcNow.AddMinutes(2));
        ProcessFigures? last = null;
        await Eventually.HoldsAsync(async () =>
        {
            var previous = last;
            await Task.Delay(TimeSpan.FromSeconds(1));
            last = ProcessFigures.Of(agent.Pid) ?? throw new AssertionException("the agent exited");
            return previous is not null && Math.Abs(last.RssKib - previous.RssKib) < 512;
        }, TimeSpan.FromSeconds(60), "the agent's RSS settled after opening its journal");
        return last!;
    }

    private static async Task<RbdImage> ReplayAsync(AgentProcess agent, CreateImageRequest request)
    {
        using var channel = GrpcChannel.ForAddress(agent.GrpcUrl);
        return await new RbdService.RbdServiceClient(channel).CreateImageAsync(request, deadline: DateTime.UtcNow.AddMinutes(2));
    }

    /// <summary>The description of the agent's operation-journal health check.</summary>
    internal static async Task<string> JournalHealthAsync(AgentProcess agent)
    {
        using var response = await Http.GetAsync(new Uri($"{agent.HttpUrl}/healthz"));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("checks").EnumerateArray()
            .Where(c => c.GetProperty("name").GetString() == OperationJournalHealthCheck.Name)
            .Select(c => c.GetProperty("description").GetString()!)
            .SingleOrDefault() ?? throw new AssertionException($"no {OperationJournalHealthCheck.Name} check on {agent.HttpUrl}/healthz");
    }
}

using System.Text.Json;
using Grpc.Net.Client;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Soak;

/// <summary>
/// A private agent on the test cluster under volume churn through its RbdService (create, clone,
/// resize, read, remove), its RSS, open descriptors and threads sampled throughout: a measurement
/// of the agent alone, to compare runtime settings. <c>PLATFORM_SOAK_AGENT_ENV</c>
/// ("NAME=value;NAME=value") adds environment variables to the agent, e.g. DOTNET_gcServer=0.
/// </summary>
[Explicit("measurement: run with --filter TestCategory=SoakAgent")]
[Category("SoakAgent")]
[NonParallelizable]
public sealed class AgentChurnSoakTests
{
    private const string Prefix = "soak";

    private ComponentSettings _ceph = null!;
    private string _directory = null!;
    private string _baseImage = null!;

    [OneTimeSetUp]
    public async Task CreateBaseImageAsync()
    {
        _ceph = TestEnvironment.Require("ceph");
        _directory = Directory.CreateTempSubdirectory("platform-soak-").FullName;
        _baseImage = $"{Prefix}-base-{Guid.NewGuid().ToString("N")[..8]}";
        (await Rbd("create", "--size", "16M", $"images/{_baseImage}")).EnsureSuccess();
    }

    [OneTimeTearDown]
    public async Task RemoveImagesAsync()
    {
        foreach (var name in await ListAsync("volumes"))
        {
            if (name.StartsWith(Prefix + "-", StringComparison.Ordinal))
            {
                await Rbd("rm", "--no-progress", $"volumes/{name}");
            }
        }
        if (_baseImage is not null)
        {
            await Rbd("snap", "unprotect", $"images/{_baseImage}@platform-clone-base");
            await Rbd("snap", "purge", "--no-progress", $"images/{_baseImage}");
            await Rbd("rm", "--no-progress", $"images/{_baseImage}");
        }
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>The short schedule, or the long one when PLATFORM_SOAK_MINUTES is set.</summary>
    [Test]
    public Task The_agent_under_volume_churn() =>
        SoakAsync(Environment.GetEnvironmentVariable("PLATFORM_SOAK_MINUTES") is { Length: > 0 } ? SoakSchedule.Long() : SoakSchedule.Short);

    private async Task SoakAsync(SoakSchedule schedule)
    {
        var environment = new Dictionary<string, string>
        {
            ["PLATFORM_Storage__CephConf"] = _ceph["PLATFORM_CEPH_CONF"],
            ["PLATFORM_Storage__CephUser"] = _ceph["PLATFORM_CEPH_USER"],
            ["PLATFORM_Operations__JournalPath"] = Path.Combine(_directory, "operations.journal"),
        };
        foreach (var setting in (Environment.GetEnvironmentVariable("PLATFORM_SOAK_AGENT_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
            environment[key] = value;
        }
        await using var agent = await AgentProcess.StartAsync(new AgentProcessOptions { Environment = environment });
        using var channel = GrpcChannel.ForAddress(agent.GrpcUrl);
        var churn = new AgentRbdChurn(channel, _baseImage, Prefix);
        await using var sampler = new SoakSampler(new Dictionary<string, int> { ["agent"] = agent.Pid }, () => churn.Operations, schedule.SampleInterval);
        sampler.Start();

        sampler.Phase = "warm-up";
        await churn.RunAsync(schedule.Warmup, workers: 4);
        var warm = (await sampler.SampleAsync())["agent"];
        sampler.Phase = "churn";
        await churn.RunAsync(schedule.Churn, workers: 4);
        var churned = (await sampler.SampleAsync())["agent"];
        sampler.Phase = "idle";
        await Task.Delay(schedule.Idle);
        var idle = (await sampler.SampleAsync())["agent"];

        var peak = sampler.Samples.Max(s => s.Figures.RssKib) / 1024.0;
        TestContext.Out.WriteLine(sampler.Table());
        TestContext.Out.WriteLine($"agent: {churn.Operations} operations; RSS after warm-up {warm.Figures.RssMib:0.0} MiB, after churn {churned.Figures.RssMib:0.0} MiB, after idle {idle.Figures.RssMib:0.0} MiB, peak {peak:0.0} MiB; fds {warm.Figures.OpenFiles} -> {idle.Figures.OpenFiles}; threads {warm.Figures.Threads} -> {idle.Figures.Threads}");
    }

    private async Task<IReadOnlyList<string>> ListAsync(string pool)
    {
        var listed = await Rbd("ls", "--format", "json", pool);
        return listed.ExitCode == 0 ? JsonSerializer.Deserialize<List<string>>(listed.StandardOutput) ?? [] : [];
    }

    private Task<ProcessResult> Rbd(params string[] arguments) =>
        ChildProcess.RunAsync("rbd", ["--conf", _ceph["PLATFORM_CEPH_CONF"], "--id", _ceph["PLATFORM_CEPH_USER"], .. arguments], TimeSpan.FromMinutes(2));
}

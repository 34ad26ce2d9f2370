using System.Text.Json;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Storage;

namespace Platform.Tests.Integration.Agent;

/// <summary>
/// A private agent connected to the run's test cluster, with a journal of its own, and its
/// RbdService client. Images the tests register (<see cref="RbdTestBase.NewImage"/>) are removed
/// after each test through the rbd CLI, which also serves for independent checks.
/// </summary>
public abstract class AgentRbdTestBase : RbdTestBase
{
    private GrpcChannel? _channel;

    private protected string JournalDirectory { get; private set; } = null!;

    private protected string JournalPath => Path.Combine(JournalDirectory, "operations.journal");

    private protected AgentProcess Agent { get; private set; } = null!;

    private protected RbdService.RbdServiceClient Client { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAgentAsync()
    {
        JournalDirectory = Directory.CreateTempSubdirectory("platform-agent-journal-").FullName;
        await RestartAgentAsync(kill: false);
    }

    [OneTimeTearDown]
    public async Task StopAgentAsync()
    {
        _channel?.Dispose();
        if (Agent is not null)
        {
            await Agent.DisposeAsync();
        }
        Directory.Delete(JournalDirectory, recursive: true);
    }

    /// <summary>Ends the running agent (SIGKILL when <paramref name="kill"/>, else SIGTERM) and starts a new one on the same journal.</summary>
    private protected async Task RestartAgentAsync(bool kill)
    {
        _channel?.Dispose();
        if (Agent is not null)
        {
            if (kill)
            {
                await Agent.KillAsync();
            }
            await Agent.DisposeAsync();
        }
        Agent = await AgentProcess.StartAsync(new AgentProcessOptions
        {
            Environment = new Dictionary<string, string>
            {
                ["PLATFORM_Storage__CephConf"] = Ceph["PLATFORM_CEPH_CONF"],
                ["PLATFORM_Storage__CephUser"] = Ceph["PLATFORM_CEPH_USER"],
                ["PLATFORM_Operations__JournalPath"] = JournalPath,
            },
        });
        _channel = GrpcChannel.ForAddress(Agent.GrpcUrl);
        Client = new RbdService.RbdServiceClient(_channel);
    }

    private protected static string NewOperationId() => "op-" + Guid.NewGuid().ToString("N");

    private protected static DateTime Deadline() => DateTime.UtcNow.AddMinutes(2);

    /// <summary>The field violations of an INVALID_ARGUMENT's google.rpc.BadRequest, as "field" names.</summary>
    private protected static IReadOnlyList<string> ViolatedFields(RpcException error)
    {
        var details = error.GetRpcStatus() ?? throw new AssertionException($"no rich status in {error.Status}");
        var badRequest = details.Details.Single(d => d.Is(Google.Rpc.BadRequest.Descriptor)).Unpack<Google.Rpc.BadRequest>();
        return badRequest.FieldViolations.Select(v => v.Field).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>"rbd info" of an image; its "parent" property is there only for a clone.</summary>
    private protected Task<JsonElement> RbdInfoAsync(string spec) => RbdJsonAsync("info", spec);

    /// <summary>(name, protected) of each snapshot of an image, per the rbd CLI.</summary>
    private protected async Task<IReadOnlyList<(string Name, bool Protected)>> RbdSnapshotsAsync(string spec) =>
        (await RbdJsonAsync("snap", "ls", spec)).EnumerateArray()
            .Select(s => (s.GetProperty("name").GetString()!, s.GetProperty("protected").GetString() == "true"))
            .ToList();
}

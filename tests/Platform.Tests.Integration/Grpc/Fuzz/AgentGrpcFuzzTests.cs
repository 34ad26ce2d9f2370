using System.Diagnostics;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Contracts.Agent.V1;
using Platform.Rpc.Client;
using Platform.Rpc.Tls;
using Platform.Tests.Integration.Controller;
using Platform.Tests.Integration.Controller.Fuzz;

namespace Platform.Tests.Integration.Grpc.Fuzz;

/// <summary>
/// Every method of every agent service, called over the agent's mutual TLS with malformed bytes
/// (through a marshaller that sends them as they are) and with odd well-formed messages: no call
/// is answered UNKNOWN or INTERNAL (the status of a failure of the agent's own code), the agent
/// stays up and healthy, and nothing changed on the host: RBD pools, libvirt domains, the driver
/// disk and its backup, the inventory.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("Fuzz")]
public sealed class AgentGrpcFuzzTests : ControllerTestBase
{
    private const int Seed = 20261206;
    private const int Concurrency = 4;
    private const int MaxListedProblems = 40;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a server stream is read (one that never ends, such as the domain events, ends at this deadline).</summary>
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(2);

    private static readonly Marshaller<byte[]> AsIs = Marshallers.Create(bytes => bytes, bytes => bytes);

    [Test]
    public async Task Every_agent_method_refuses_malformed_and_odd_requests_without_internal_errors_and_changes_nothing()
    {
        using var channel = CreateChannel();
        var invoker = channel.CreateCallInvoker();
        var methods = AgentGrpcCorpus.Services.SelectMany(s => s.Methods).ToList();
        Assert.That(AgentGrpcCorpus.Services.Select(s => s.Name), Is.SupersetOf(new[] { "HostService", "FileService", "RbdService", "DomainService", "DriverDiskService" }));
        var cases = methods.SelectMany(m => AgentGrpcCorpus.For(m, Seed)).ToList();

        // The driver disk as the driver center makes it on first use: DriverDiskService calls meet a disk (not just "not initialized").
        var disk = (await Api.GetAsync("/thor/voi/driver/mount")).Result();
        Assert.That(disk.GetProperty("mount_status").GetInt32(), Is.EqualTo(1), $"the driver disk is built and normal: {disk}");
        var before = await SnapshotAsync();
        var statuses = new SortedDictionary<StatusCode, int>();
        var problems = new List<(GrpcFuzzCase Case, string Problem)>();
        var clock = Stopwatch.StartNew();
        using var slots = new SemaphoreSlim(Concurrency);
        await Task.WhenAll(cases.Select(async fuzz =>
        {
            await slots.WaitAsync();
            try
            {
                var (status, detail) = await CallAsync(invoker, fuzz);
                lock (problems)
                {
                    statuses[status] = statuses.GetValueOrDefault(status) + 1;
                    if (ProblemOf(fuzz, status) is { } problem)
                    {
                        problems.Add((fuzz, $"{problem}: {detail}"));
                    }
                }
            }
            finally
            {
                slots.Release();
            }
        }));
        clock.Stop();
        var after = await SnapshotAsync();

        TestContext.Out.WriteLine($"gRPC fuzz: {cases.Count} calls over {methods.Count} methods of {AgentGrpcCorpus.Services.Count} services in {clock.Elapsed.TotalSeconds:0.0} s; seed {Seed}");
        TestContext.Out.WriteLine("status histogram: " + string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}")));
        TestContext.Out.WriteLine("compared before and after:\n  " + string.Join("\n  ", before.Split('\n').Select(l => l.Length > 160 ? l[..160] + "…" : l)));
        Assert.Multiple(() =>
        {
            Assert.That(problems, Is.Empty, $"{problems.Count} calls were answered as failures of the agent, by method and kind (count, first case):\n" + string.Join('\n', problems
                .GroupBy(p => (p.Case.Method.FullName, Kind: p.Case.What.Split(' ')[0])).Take(MaxListedProblems).Select(g => $"{g.Count()} x {g.First().Case}: {g.First().Problem}")));
            Assert.That(after, Is.EqualTo(before), "odd requests changed nothing on the host");
        });
        await AssertAgentHealthyAsync(channel);
    }

    private static string? ProblemOf(GrpcFuzzCase fuzz, StatusCode status) => status switch
    {
        StatusCode.Unknown or StatusCode.Internal => status.ToString(),
        StatusCode.DeadlineExceeded when !fuzz.Method.IsServerStreaming => "no answer within " + CallTimeout,
        _ => null,
    };

    private static async Task<(StatusCode Status, string Detail)> CallAsync(CallInvoker invoker, GrpcFuzzCase fuzz)
    {
        var method = fuzz.Method;
        var type = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var raw = new Method<byte[], byte[]>(type, method.Service.FullName, method.Name, AsIs, AsIs);
        var options = new CallOptions(deadline: DateTime.UtcNow + (method.IsServerStreaming ? StreamTimeout : CallTimeout));
        try
        {
            switch (type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(raw, null, options, fuzz.Messages.Single());
                    break;
                case MethodType.ServerStreaming:
                    using (var call = invoker.AsyncServerStreamingCall(raw, null, options, fuzz.Messages.Single()))
                    {
                        while (await call.ResponseStream.MoveNext(CancellationToken.None))
                        {
                        }
                    }
                    break;
                case MethodType.ClientStreaming:
                    using (var call = invoker.AsyncClientStreamingCall(raw, null, options))
                    {
                        await WriteAllAsync(call.RequestStream, fuzz.Messages);
                        await call.ResponseAsync;
                    }
                    break;
                default:
                    using (var call = invoker.AsyncDuplexStreamingCall(raw, null, options))
                    {
                        await WriteAllAsync(call.RequestStream, fuzz.Messages);
                        while (await call.ResponseStream.MoveNext(CancellationToken.None))
                        {
                        }
                    }
                    break;
            }
            return (StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail);
        }
    }

    private static async Task WriteAllAsync(IClientStreamWriter<byte[]> stream, IReadOnlyList<byte[]> messages)
    {
        try
        {
            foreach (var message in messages)
            {
                await stream.WriteAsync(message);
            }
            await stream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The agent ended the call before taking everything: its status is the answer.
        }
    }

    private async Task AssertAgentHealthyAsync(GrpcChannel channel)
    {
        Assert.That(Agent.HasExited, Is.False, "the agent is still running");
        var info = await new HostService.HostServiceClient(channel).GetAgentInfoAsync(new GetAgentInfoRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.That(info.ContractVersions, Does.Contain("platform.agent.v1"), "the agent answers a well-formed call");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var health = await http.GetAsync(new Uri($"{Agent.HttpUrl}/healthz"));
        Assert.That(health.IsSuccessStatusCode, Is.True, $"the agent is healthy: {await health.Content.ReadAsStringAsync()}");
        Assert.That(await HostStatusAsync(HostId), Is.EqualTo("up"), "the controller still hears from the agent");
    }

    /// <summary>A channel as the controller opens one to its agents: the controller's certificate, the platform CA pinned.</summary>
    private GrpcChannel CreateChannel() => PlatformChannel.ForAddress(Agent.GrpcUrl, new PlatformChannelOptions
    {
        Tls = new GrpcClientTlsOptions
        {
            CertificateAuthority = Certificates.AuthorityPath,
            CertificatePath = Certificates.Controller.CertificatePath,
            KeyPath = Certificates.Controller.KeyPath,
        }.LoadCredentials(),
    });

    private Task<string> SnapshotAsync() => HostSnapshot.TakeAsync(Database, Rbd, Virsh, AgentDirectory);
}

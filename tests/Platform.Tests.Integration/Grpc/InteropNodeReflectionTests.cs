using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Grpc;

/// <summary>
/// Node's @grpc/grpc-js with grpc-js-reflection-client against the environment's agent: a
/// client that knows nothing but the address discovers the services and their descriptors by
/// server reflection (v1 and v1alpha) and calls the agent with them.
/// </summary>
public class InteropNodeReflectionTests
{
    private static readonly string[] AgentServices =
    [
        "platform.agent.v1.HostService",
        "platform.agent.v1.FileService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ];

    private static readonly string[] HostMethods = ["GetAgentInfo", "GetHostInfo", "Ping"];

    private static string[] AgentTarget() => EnvironmentAgent.Require().PeerArguments();

    [TestCase("v1")]
    [TestCase("v1alpha")]
    public async Task Node_grpc_js_lists_the_agent_services_by_reflection(string reflectionVersion)
    {
        var seen = await InteropPeers.RunNodeReflectionAsync([.. AgentTarget(), "--reflection", reflectionVersion]);

        Assert.Multiple(() =>
        {
            Assert.That(seen.TryGetProperty("list_error", out var error), Is.False, () => $"listing failed: {error}");
            Assert.That(seen.Strings("services"), Is.SupersetOf(AgentServices));
            Assert.That(seen.Strings("services"), Is.Unique);
        });
    }

    [TestCase("v1")]
    [TestCase("v1alpha")]
    public async Task Node_grpc_js_calls_get_agent_info_through_the_descriptor_it_resolved_by_reflection(string reflectionVersion)
    {
        var seen = await InteropPeers.RunNodeReflectionAsync(
            [.. AgentTarget(), "--reflection", reflectionVersion, "--service", "platform.agent.v1.HostService", "--method", "GetAgentInfo"]);

        Assert.That(seen.TryGetProperty("resolve_error", out var error), Is.False, () => $"resolving the descriptor failed: {error}");
        var methods = seen.GetProperty("methods").EnumerateArray().ToDictionary(m => m.Text("name")!, m => m);
        Assert.Multiple(() =>
        {
            Assert.That(seen.Strings("files"), Does.Contain("platform/agent/v1/host.proto"), "the descriptor came from the agent");
            Assert.That(methods.Keys, Is.EquivalentTo(HostMethods));
            Assert.That(methods["GetAgentInfo"].Text("path"), Is.EqualTo("/platform.agent.v1.HostService/GetAgentInfo"));
            Assert.That(methods["GetAgentInfo"].Text("response_type"), Is.EqualTo("AgentInfo"));
            Assert.That(methods["Ping"].GetProperty("request_stream").GetBoolean(), Is.True, "Ping is bidi");
            Assert.That(methods["Ping"].GetProperty("response_stream").GetBoolean(), Is.True, "Ping is bidi");
            Assert.That(seen.Text("code"), Is.EqualTo("OK"), () => seen.ToString());
        });
        var response = seen.GetProperty("response");
        Assert.Multiple(() =>
        {
            Assert.That(response.Strings("contract_versions"), Does.Contain("platform.agent.v1"));
            Assert.That(response.Text("agent_version"), Is.Not.Empty);
            Assert.That(response.Text("hostname"), Is.EqualTo(Environment.MachineName));
            Assert.That(response.GetProperty("started_at").ValueKind, Is.EqualTo(JsonValueKind.String), "uint64 as a string (longs: String)");
            Assert.That(ulong.Parse(response.Text("started_at")!, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(1_600_000_000UL));
        });
    }

    [Test]
    public async Task Node_grpc_js_resolves_the_file_service_and_health_by_reflection_and_checks_health()
    {
        var files = await InteropPeers.RunNodeReflectionAsync([.. AgentTarget(), "--service", "platform.agent.v1.FileService", "--method", ""]);
        var health = await InteropPeers.RunNodeReflectionAsync([.. AgentTarget(), "--service", "grpc.health.v1.Health", "--method", "Check"]);

        var fileMethods = files.GetProperty("methods").EnumerateArray().ToDictionary(m => m.Text("name")!, m => m);
        Assert.Multiple(() =>
        {
            Assert.That(files.TryGetProperty("resolve_error", out var error), Is.False, () => $"resolving FileService failed: {error}");
            Assert.That(files.Strings("files"), Does.Contain("platform/agent/v1/files.proto"));
            Assert.That(fileMethods["UploadFile"].GetProperty("request_stream").GetBoolean(), Is.True, "UploadFile is a client stream");
            Assert.That(fileMethods["UploadFile"].GetProperty("response_stream").GetBoolean(), Is.False);
            Assert.That(fileMethods["DownloadFile"].GetProperty("request_stream").GetBoolean(), Is.False);
            Assert.That(fileMethods["DownloadFile"].GetProperty("response_stream").GetBoolean(), Is.True, "DownloadFile is a server stream");
            // Grpc.HealthCheck compiled its descriptor from "health.proto": reflection names the file as the server knows it.
            Assert.That(health.Strings("files"), Has.Some.EndsWith("health.proto"));
            Assert.That(health.Text("code"), Is.EqualTo("OK"), () => health.ToString());
            Assert.That(health.GetProperty("response").Text("status"), Is.EqualTo("SERVING"));
        });
    }
}

using Google.Protobuf.Reflection;
using Platform.Agent.Grpc;
using Platform.Contracts.Agent.V1;
using Platform.Rpc.Identity;

namespace Platform.Tests.Unit.Agent;

/// <summary>
/// Every RPC the agent serves has a decision in <see cref="AgentCallAccess"/>: a new RPC without
/// one fails here, before an operator's certificate could reach it by accident.
/// </summary>
public class AgentCallAccessTests
{
    private static readonly ServiceDescriptor[] Served =
    [
        HostService.Descriptor,
        FileService.Descriptor,
        RbdService.Descriptor,
        DomainService.Descriptor,
        DriverDiskService.Descriptor,
        global::Grpc.Health.V1.Health.Descriptor,
        global::Grpc.Reflection.V1.ServerReflection.Descriptor,
        global::Grpc.Reflection.V1Alpha.ServerReflection.Descriptor,
    ];

    private static IEnumerable<string> ServedMethods() =>
        Served.SelectMany(service => service.Methods.Select(method => $"/{service.FullName}/{method.Name}"));

    [Test]
    public void The_agents_services_are_all_listed_here()
    {
        var agentServices = typeof(HostService).Assembly.GetTypes()
            .Select(type => type.GetProperty("Descriptor")?.GetValue(null) as ServiceDescriptor)
            .Where(service => service?.FullName.StartsWith("platform.agent.", StringComparison.Ordinal) == true)
            .Select(service => service!.FullName);

        Assert.That(Served.Select(service => service.FullName), Is.SupersetOf(agentServices));
    }

    [Test]
    public void Every_served_method_has_a_decision() =>
        Assert.That(ServedMethods().Except(AgentCallAccess.Methods.Keys), Is.Empty, "RPCs without a row in AgentCallAccess.Methods");

    [Test]
    public void Every_decision_is_for_a_served_method() =>
        Assert.That(AgentCallAccess.Methods.Keys.Except(ServedMethods()), Is.Empty, "rows of AgentCallAccess.Methods for no RPC");

    [TestCase("/platform.agent.v1.RbdService/CreateImage")]
    [TestCase("/platform.agent.v1.DomainService/DefineAndStartDomain")]
    [TestCase("/platform.agent.v1.FileService/UploadFile")]
    [TestCase("/platform.agent.v1.RbdService/ListImages")]
    [TestCase("/grpc.health.v1.Health/Check")]
    public void The_controller_may_call_anything(string method) =>
        Assert.That(new AgentCallerPolicy().Refusal(method, PlatformIdentity.ForController(), request: null), Is.Null);

    [TestCase("/platform.agent.v1.RbdService/ListImages")]
    [TestCase("/platform.agent.v1.RbdService/GetImage")]
    [TestCase("/platform.agent.v1.HostService/GetHostInfo")]
    [TestCase("/grpc.health.v1.Health/Check")]
    [TestCase("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")]
    [TestCase("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")]
    public void An_operator_may_read(string method) =>
        Assert.That(new AgentCallerPolicy().Refusal(method, PlatformIdentity.ForOperator("admin"), request: null), Is.Null);

    [TestCase("/platform.agent.v1.RbdService/CreateImage")]
    [TestCase("/platform.agent.v1.RbdService/RemoveImage")]
    [TestCase("/platform.agent.v1.DomainService/UndefineDomain")]
    [TestCase("/platform.agent.v1.FileService/DeleteFile")]
    [TestCase("/platform.agent.v1.DriverDiskService/SaveDriverDisk")]
    [TestCase("/platform.agent.v1.HostService/NoSuchMethod")]
    public void An_operator_may_not_change_anything_nor_call_what_has_no_decision(string method) =>
        Assert.That(new AgentCallerPolicy().Refusal(method, PlatformIdentity.ForOperator("admin"), request: null), Does.Contain("controller's only"));

    [TestCase("/platform.agent.v1.RbdService/CreateImage")]
    [TestCase("/platform.agent.v1.RbdService/ListImages")]
    public void Another_hosts_agent_may_call_nothing(string method) =>
        Assert.That(new AgentCallerPolicy().Refusal(method, PlatformIdentity.ForAgent("host-b"), request: null), Does.Contain("not the controller"));
}

using Grpc.Health.V1;
using Platform.Grpc;

namespace Platform.Tests.Unit.Grpc;

public class ServiceDefinitionTests
{
    private sealed class PartialHealth : Health.HealthBase;

    [Test]
    public void Binding_that_misses_a_method_of_the_proto_is_refused_with_the_reason()
    {
        var builder = ServiceDefinition.CreateBuilder<PartialHealth>(Health.Descriptor)
            .AddUnaryMethod(Health.CheckMethod, static (service, request, context) => service.Check(request, context));

        Assert.That(() => builder.Build(), Throws.InvalidOperationException.With.Message.Contains("grpc.health.v1.Health.Watch is bound 0 times"));
    }

    [Test]
    public void Binding_with_the_wrong_streaming_kind_is_refused()
    {
        var wrongKind = new Method<HealthCheckRequest, HealthCheckResponse>(MethodType.Unary, Health.ServiceName, "Watch", HealthCheckRequest.Parser, HealthCheckResponse.Parser);
        var builder = ServiceDefinition.CreateBuilder<PartialHealth>(Health.Descriptor)
            .AddUnaryMethod(Health.CheckMethod, static (service, request, context) => service.Check(request, context))
            .AddUnaryMethod(wrongKind, static (_, _, _) => Task.FromResult(new HealthCheckResponse()));

        Assert.That(() => builder.Build(), Throws.InvalidOperationException.With.Message.Contains("ServerStreaming in the proto but bound as Unary"));
    }

    [Test]
    public void Generated_binding_matches_the_proto()
    {
        var definition = Health.BindService<PartialHealth>();

        Assert.That(definition.Methods.Select(m => (m.Method.Name, m.Method.Type)),
            Is.EquivalentTo(new[] { ("Check", MethodType.Unary), ("Watch", MethodType.ServerStreaming) }));
    }
}

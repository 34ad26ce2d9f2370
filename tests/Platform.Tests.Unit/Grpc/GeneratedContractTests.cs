using System.Reflection;
using Google.Protobuf.Reflection;
using Platform.Contracts.Agent.V1;
using Platform.Grpc;

namespace Platform.Tests.Unit.Grpc;

/// <summary>
/// The service code Platform.Grpc.Generator writes cannot drift from the contracts: every
/// service of every proto file compiled into Platform.Contracts and Platform.Grpc (found
/// through protoc's reflection classes, not listed here) has its static class, one Method
/// field per rpc, one overridable handler per rpc and the client overloads, all with the
/// descriptor's names, streaming kinds and message types.
/// </summary>
public class GeneratedContractTests
{
    private static readonly Assembly[] ContractAssemblies =
    [
        typeof(HostService).Assembly,
        typeof(Method<,>).Assembly,
    ];

    private const BindingFlags PublicStatic = BindingFlags.Public | BindingFlags.Static;
    private const BindingFlags PublicInstanceDeclared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>A service descriptor and the namespace its file's classes live in.</summary>
    public sealed record ServiceCase(Assembly Assembly, string Namespace, ServiceDescriptor Service)
    {
        public override string ToString() => Service.FullName;
    }

    private static IEnumerable<(Assembly Assembly, Type ReflectionClass, FileDescriptor File)> Files() =>
        from assembly in ContractAssemblies
        from type in assembly.GetTypes()
        where type.Name.EndsWith("Reflection", StringComparison.Ordinal)
        let property = type.GetProperty("Descriptor", PublicStatic)
        where property is not null && property.PropertyType == typeof(FileDescriptor)
        select (assembly, type, (FileDescriptor)property.GetValue(null)!);

    public static IEnumerable<TestCaseData> Services() =>
        from file in Files()
        from service in file.File.Services
        select new TestCaseData(new ServiceCase(file.Assembly, file.ReflectionClass.Namespace ?? "", service))
            .SetArgDisplayNames(service.FullName);

    private static Type ServiceClass(ServiceCase c)
    {
        var name = c.Namespace.Length > 0 ? c.Namespace + "." + c.Service.Name : c.Service.Name;
        var type = c.Assembly.GetType(name);
        Assert.That(type, Is.Not.Null, $"no generated class {name} for {c.Service.FullName} in {c.Assembly.GetName().Name}");
        return type!;
    }

    private static Type Nested(Type serviceClass, string name)
    {
        var type = serviceClass.GetNestedType(name, BindingFlags.Public);
        Assert.That(type, Is.Not.Null, $"{serviceClass.FullName} has no nested {name}");
        return type!;
    }

    private static MethodType ExpectedType(MethodDescriptor method) => (method.IsClientStreaming, method.IsServerStreaming) switch
    {
        (false, false) => MethodType.Unary,
        (true, false) => MethodType.ClientStreaming,
        (false, true) => MethodType.ServerStreaming,
        (true, true) => MethodType.DuplexStreaming,
    };

    [Test]
    public void The_contract_files_and_the_standard_services_are_all_found()
    {
        var services = Services().Select(d => ((ServiceCase)d.Arguments[0]!).Service.FullName).ToList();

        Assert.That(services, Is.Unique);
        Assert.That(services, Does.Contain("grpc.health.v1.Health"));
        Assert.That(services, Does.Contain("grpc.reflection.v1.ServerReflection"));
        Assert.That(services, Does.Contain("grpc.reflection.v1alpha.ServerReflection"));
        Assert.That(services.Count(s => s.StartsWith("platform.", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(5));
        Assert.That(Files().Select(f => f.File.Package), Does.Contain("google.rpc"), "google.rpc status and error details (messages only)");
    }

    [TestCaseSource(nameof(Services))]
    public void The_service_class_names_its_service_and_descriptor(ServiceCase c)
    {
        var type = ServiceClass(c);

        Assert.That(type is { IsAbstract: true, IsSealed: true }, Is.True, "a static class");
        Assert.That(type.GetField("ServiceName", PublicStatic)?.GetRawConstantValue(), Is.EqualTo(c.Service.FullName));
        Assert.That(type.GetProperty("Descriptor", PublicStatic)?.GetValue(null), Is.SameAs(c.Service));
    }

    [TestCaseSource(nameof(Services))]
    public void Method_fields_match_the_descriptor_one_to_one(ServiceCase c)
    {
        var type = ServiceClass(c);
        var fields = type.GetFields(PublicStatic)
            .Where(f => f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(Method<,>))
            .ToList();

        Assert.That(fields.Select(f => f.Name), Is.EquivalentTo(c.Service.Methods.Select(m => m.Name + "Method")));
        foreach (var proto in c.Service.Methods)
        {
            var field = fields.Single(f => f.Name == proto.Name + "Method");
            var method = (IMethod)field.GetValue(null)!;
            Assert.Multiple(() =>
            {
                Assert.That(field.IsInitOnly, Is.True, $"{field.Name} is readonly");
                Assert.That(method.Name, Is.EqualTo(proto.Name));
                Assert.That(method.ServiceName, Is.EqualTo(c.Service.FullName));
                Assert.That(method.FullName, Is.EqualTo($"/{c.Service.FullName}/{proto.Name}"));
                Assert.That(method.Type, Is.EqualTo(ExpectedType(proto)), proto.FullName);
                Assert.That(field.FieldType.GetGenericArguments(), Is.EqualTo(new[] { proto.InputType.ClrType, proto.OutputType.ClrType }), proto.FullName);
            });
        }
    }

    [TestCaseSource(nameof(Services))]
    public void The_base_class_has_one_overridable_handler_per_rpc(ServiceCase c)
    {
        var type = ServiceClass(c);
        var baseClass = Nested(type, c.Service.Name + "Base");
        var handlers = baseClass.GetMethods(PublicInstanceDeclared).Where(m => m.IsVirtual).ToList();

        Assert.That(baseClass.IsAbstract, Is.True);
        Assert.That(handlers.Select(m => m.Name), Is.EquivalentTo(c.Service.Methods.Select(m => m.Name)), "one handler per rpc, no overloads");

        var bind = baseClass.GetCustomAttribute<BindServiceMethodAttribute>();
        Assert.That(bind, Is.Not.Null);
        Assert.That(bind!.BindType, Is.EqualTo(type));
        Assert.That(bind.BindMethodName, Is.EqualTo("BindService"));

        foreach (var proto in c.Service.Methods)
        {
            var handler = handlers.Single(m => m.Name == proto.Name);
            Type request = proto.InputType.ClrType, response = proto.OutputType.ClrType;
            var reader = typeof(IAsyncStreamReader<>).MakeGenericType(request);
            var writer = typeof(IServerStreamWriter<>).MakeGenericType(response);
            var (parameters, returns) = ExpectedType(proto) switch
            {
                MethodType.Unary => (new[] { request, typeof(ServerCallContext) }, typeof(Task<>).MakeGenericType(response)),
                MethodType.ServerStreaming => (new[] { request, writer, typeof(ServerCallContext) }, typeof(Task)),
                MethodType.ClientStreaming => (new[] { reader, typeof(ServerCallContext) }, typeof(Task<>).MakeGenericType(response)),
                _ => (new[] { reader, writer, typeof(ServerCallContext) }, typeof(Task)),
            };
            Assert.Multiple(() =>
            {
                Assert.That(handler.GetParameters().Select(p => p.ParameterType), Is.EqualTo(parameters), proto.FullName);
                Assert.That(handler.ReturnType, Is.EqualTo(returns), proto.FullName);
            });
        }
    }

    [TestCaseSource(nameof(Services))]
    public void BindService_binds_every_rpc_as_the_descriptor_declares_it(ServiceCase c)
    {
        var type = ServiceClass(c);
        var baseClass = Nested(type, c.Service.Name + "Base");
        var bindService = type.GetMethod("BindService", PublicStatic);
        Assert.That(bindService, Is.Not.Null);

        // The runtime's builder checks the binding against the descriptor and throws on drift.
        var definition = (ServiceDefinition)bindService!.MakeGenericMethod(baseClass).Invoke(null, null)!;

        Assert.That(definition.Descriptor, Is.SameAs(c.Service));
        Assert.That(definition.ServiceType, Is.EqualTo(baseClass));
        Assert.That(definition.Methods.Select(m => m.Method.Name), Is.EquivalentTo(c.Service.Methods.Select(m => m.Name)));
    }

    [TestCaseSource(nameof(Services))]
    public void The_client_has_both_overloads_of_every_rpc(ServiceCase c)
    {
        var type = ServiceClass(c);
        var client = Nested(type, c.Service.Name + "Client");

        Assert.That(client.GetConstructor([typeof(CallInvoker)]), Is.Not.Null);
        Assert.That(client.GetConstructor([typeof(GrpcChannel)]), Is.Not.Null);

        var callMethods = client.GetMethods(PublicInstanceDeclared).Where(m => m.IsVirtual).ToList();
        var expectedNames = c.Service.Methods.Select(m => ExpectedType(m) == MethodType.Unary ? m.Name + "Async" : m.Name);
        Assert.That(callMethods.Select(m => m.Name).Distinct(), Is.EquivalentTo(expectedNames));

        foreach (var proto in c.Service.Methods)
        {
            Type request = proto.InputType.ClrType, response = proto.OutputType.ClrType;
            var (name, leading, returns) = ExpectedType(proto) switch
            {
                MethodType.Unary => (proto.Name + "Async", new[] { request }, typeof(AsyncUnaryCall<>).MakeGenericType(response)),
                MethodType.ServerStreaming => (proto.Name, new[] { request }, typeof(AsyncServerStreamingCall<>).MakeGenericType(response)),
                MethodType.ClientStreaming => (proto.Name, Type.EmptyTypes, typeof(AsyncClientStreamingCall<,>).MakeGenericType(request, response)),
                _ => (proto.Name, Type.EmptyTypes, typeof(AsyncDuplexStreamingCall<,>).MakeGenericType(request, response)),
            };
            var overloads = callMethods.Where(m => m.Name == name).ToList();
            var withOptions = overloads.SingleOrDefault(m => m.GetParameters().Select(p => p.ParameterType).SequenceEqual(leading.Append(typeof(CallOptions))));
            var withHeaders = overloads.SingleOrDefault(m => m.GetParameters().Select(p => p.ParameterType)
                .SequenceEqual(leading.Concat([typeof(Metadata), typeof(DateTime?), typeof(CancellationToken)])));
            Assert.Multiple(() =>
            {
                Assert.That(overloads, Has.Count.EqualTo(2), name);
                Assert.That(withOptions?.ReturnType, Is.EqualTo(returns), $"{name}(…, CallOptions)");
                Assert.That(withHeaders?.ReturnType, Is.EqualTo(returns), $"{name}(…, headers, deadline, cancellationToken)");
                Assert.That(withHeaders?.GetParameters().Skip(leading.Length).All(p => p.IsOptional), Is.True, $"{name}: headers, deadline and cancellationToken are optional");
            });
        }
    }

    [Test]
    public void An_rpc_the_server_does_not_override_answers_unimplemented()
    {
        var service = new EmptyHostService();

        var e = Assert.Throws<RpcException>(() => service.GetAgentInfo(new GetAgentInfoRequest(), null!));

        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
        Assert.That(e.Status.Detail, Does.Contain("platform.agent.v1.HostService/GetAgentInfo"));
    }

    [Test]
    public void A_client_call_hands_its_method_and_options_to_the_call_invoker()
    {
        var invoker = new RecordingCallInvoker();
        var client = new HostService.HostServiceClient(invoker);
        var headers = new Metadata().Add("x-operation-id", "op-1");
        var deadline = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        using var cancellation = new CancellationTokenSource();

        Assert.Throws<RecordedCall>(() => client.GetAgentInfoAsync(new GetAgentInfoRequest(), headers, deadline, cancellation.Token));
        Assert.That(invoker.Last?.Method, Is.SameAs(HostService.GetAgentInfoMethod));
        Assert.That(invoker.Last?.Options, Is.EqualTo(new CallOptions(headers, deadline, cancellation.Token)));

        Assert.Throws<RecordedCall>(() => client.Ping());
        Assert.That(invoker.Last?.Method, Is.SameAs(HostService.PingMethod));
        Assert.That(invoker.Last?.Options, Is.EqualTo(new CallOptions()));

        Assert.Throws<RecordedCall>(() => new FileService.FileServiceClient(invoker).DownloadFile(new DownloadFileRequest(), new CallOptions(headers)));
        Assert.That(invoker.Last?.Method, Is.SameAs(FileService.DownloadFileMethod));
        Assert.That(invoker.Last?.Options.Headers, Is.SameAs(headers));

        Assert.Throws<RecordedCall>(() => new FileService.FileServiceClient(invoker).UploadFile());
        Assert.That(invoker.Last?.Method, Is.SameAs(FileService.UploadFileMethod));
    }

    [Test]
    public void A_client_needs_a_call_invoker() =>
        Assert.That(() => new HostService.HostServiceClient((CallInvoker)null!), Throws.ArgumentNullException);

    private sealed class EmptyHostService : HostService.HostServiceBase;

    private sealed class RecordedCall(IMethod method, CallOptions options) : Exception(method.FullName)
    {
        public IMethod Method { get; } = method;
        public CallOptions Options { get; } = options;
    }

    /// <summary>Records the call it is asked to start and stops there, by throwing.</summary>
    private sealed class RecordingCallInvoker : CallInvoker
    {
        public RecordedCall? Last { get; private set; }

        private RecordedCall Record(IMethod method, CallOptions options) => Last = new RecordedCall(method, options);

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options) =>
            throw Record(method, options);

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options) =>
            throw Record(method, options);

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options) =>
            throw Record(method, options);

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options) =>
            throw Record(method, options);
    }
}

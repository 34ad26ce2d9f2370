using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Platform.Grpc;

/// <summary>
/// A service's RPCs bound to the handler methods of an implementation type. Building one
/// checks it against the service's proto descriptor, so a binding that drifted from the
/// contract fails at start-up, not on the first call.
/// </summary>
public sealed class ServiceDefinition
{
    private ServiceDefinition(Type serviceType, ServiceDescriptor descriptor, IReadOnlyList<ServerMethodDefinition> methods)
    {
        ServiceType = serviceType;
        Descriptor = descriptor;
        Methods = methods;
    }

    public Type ServiceType { get; }
    public ServiceDescriptor Descriptor { get; }
    public IReadOnlyList<ServerMethodDefinition> Methods { get; }

    public static Builder<TService> CreateBuilder<TService>(ServiceDescriptor descriptor)
        where TService : class => new(descriptor);

    public sealed class Builder<TService>
        where TService : class
    {
        private readonly ServiceDescriptor _descriptor;
        private readonly List<ServerMethodDefinition> _methods = [];

        internal Builder(ServiceDescriptor descriptor) => _descriptor = descriptor ?? throw new ArgumentNullException(nameof(descriptor));

        public Builder<TService> AddUnaryMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TService, TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse> =>
            Add(new UnaryMethodDefinition<TService, TRequest, TResponse>(method, handler));

        public Builder<TService> AddServerStreamingMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TService, TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse> =>
            Add(new ServerStreamingMethodDefinition<TService, TRequest, TResponse>(method, handler));

        public Builder<TService> AddClientStreamingMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TService, TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse> =>
            Add(new ClientStreamingMethodDefinition<TService, TRequest, TResponse>(method, handler));

        public Builder<TService> AddDuplexStreamingMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TService, TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse> =>
            Add(new DuplexStreamingMethodDefinition<TService, TRequest, TResponse>(method, handler));

        public ServiceDefinition Build()
        {
            var problems = new List<string>();
            foreach (var proto in _descriptor.Methods)
            {
                var bound = _methods.Where(m => m.Method.Name == proto.Name).ToList();
                if (bound.Count != 1)
                {
                    problems.Add($"{proto.FullName} is bound {bound.Count} times");
                    continue;
                }
                var method = bound[0];
                var expectedType = (proto.IsClientStreaming, proto.IsServerStreaming) switch
                {
                    (false, false) => MethodType.Unary,
                    (true, false) => MethodType.ClientStreaming,
                    (false, true) => MethodType.ServerStreaming,
                    (true, true) => MethodType.DuplexStreaming,
                };
                if (method.Method.Type != expectedType)
                {
                    problems.Add($"{proto.FullName} is {expectedType} in the proto but bound as {method.Method.Type}");
                }
                if (method.RequestType != proto.InputType.ClrType || method.ResponseType != proto.OutputType.ClrType)
                {
                    problems.Add($"{proto.FullName} takes {proto.InputType.ClrType} and returns {proto.OutputType.ClrType} in the proto, bound as {method.RequestType} → {method.ResponseType}");
                }
                if (method.Method.ServiceName != _descriptor.FullName)
                {
                    problems.Add($"{proto.FullName} is bound under service {method.Method.ServiceName}");
                }
            }
            problems.AddRange(_methods.Where(m => _descriptor.FindMethodByName(m.Method.Name) is null)
                .Select(m => $"{m.Method.FullName} is not in {_descriptor.FullName}"));
            if (problems.Count > 0)
            {
                throw new InvalidOperationException($"Binding of {typeof(TService)} to {_descriptor.FullName} does not match the proto: " + string.Join("; ", problems));
            }
            return new ServiceDefinition(typeof(TService), _descriptor, _methods.ToArray());
        }

        private Builder<TService> Add(ServerMethodDefinition definition)
        {
            _methods.Add(definition);
            return this;
        }
    }
}

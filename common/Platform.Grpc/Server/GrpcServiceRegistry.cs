using Google.Protobuf.Reflection;

namespace Platform.Grpc.Server;

/// <summary>The services this server maps, for reflection and health to describe.</summary>
public sealed class GrpcServiceRegistry
{
    private readonly List<ServiceDescriptor> _services = [];

    public IReadOnlyList<ServiceDescriptor> Services
    {
        get
        {
            lock (_services)
            {
                return _services.ToArray();
            }
        }
    }

    internal void Add(ServiceDescriptor descriptor)
    {
        lock (_services)
        {
            if (!_services.Any(s => s.FullName == descriptor.FullName))
            {
                _services.Add(descriptor);
            }
        }
    }
}

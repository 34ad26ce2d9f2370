using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Platform.Grpc.Server;

namespace Platform.Grpc;

public static class GrpcServerExtensions
{
    /// <summary>The gRPC server: options, the call processor, and Kestrel settings that long and fast streams need.</summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        var options = services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.AddSingleton<GrpcCallProcessor>();
        services.AddSingleton<GrpcServiceRegistry>();
        services.Configure<KestrelServerOptions>(kestrel =>
        {
            var http2 = kestrel.Limits.Http2;
            // Kestrel's defaults (1 MiB connection, 768 KiB stream) cap a single upload on loopback.
            http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
            http2.InitialStreamWindowSize = 8 * 1024 * 1024;
            http2.MaxStreamsPerConnection = 1000;
            http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
        });
        return services;
    }

    /// <summary>
    /// Serves <typeparamref name="TService"/> (a subclass of a generated service base): one
    /// endpoint per RPC at its <c>/package.Service/Method</c> path, and UNIMPLEMENTED for any
    /// other method of that service. The implementation comes from DI when registered there,
    /// otherwise it is created per call with its constructor's dependencies.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints)
        where TService : class
    {
        var definition = BindService<TService>();
        var processor = endpoints.ServiceProvider.GetRequiredService<GrpcCallProcessor>();
        endpoints.ServiceProvider.GetRequiredService<GrpcServiceRegistry>().Add(definition.Descriptor);
        var factory = ActivatorUtilities.CreateFactory<TService>([]);
        object Resolve(Microsoft.AspNetCore.Http.HttpContext http) =>
            http.RequestServices.GetService<TService>() ?? factory(http.RequestServices, null);

        var builders = new List<IEndpointConventionBuilder>();
        foreach (var method in definition.Methods)
        {
            builders.Add(endpoints.Map(method.Method.FullName, http => processor.ProcessAsync(http, method, Resolve))
                .WithDisplayName($"gRPC {method.Method.FullName}"));
        }
        var service = definition.Descriptor.FullName;
        builders.Add(endpoints.Map($"/{service}/{{method}}", http =>
                GrpcCallProcessor.UnimplementedAsync(http, service, (string)http.GetRouteValue("method")!, serviceKnown: true))
            .WithDisplayName($"gRPC {service} unimplemented"));
        return new CompositeConventionBuilder(builders);
    }

    /// <summary>Answers UNIMPLEMENTED for RPC paths of services this server does not have.</summary>
    public static IEndpointConventionBuilder MapGrpcUnimplemented(this IEndpointRouteBuilder endpoints) =>
        endpoints.Map("/{service}/{method}", http =>
                GrpcCallProcessor.UnimplementedAsync(http, (string)http.GetRouteValue("service")!, (string)http.GetRouteValue("method")!, serviceKnown: false))
            .WithDisplayName("gRPC unimplemented service")
            .WithOrder(int.MaxValue);

    private static ServiceDefinition BindService<TService>()
    {
        var attribute = typeof(TService).GetCustomAttribute<BindServiceMethodAttribute>(inherit: true)
            ?? throw new InvalidOperationException($"{typeof(TService)} does not derive from a generated gRPC service base ([BindServiceMethod] missing).");
        var bind = attribute.BindType.GetMethod(attribute.BindMethodName, BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{attribute.BindType}.{attribute.BindMethodName} not found.");
        return (ServiceDefinition)bind.MakeGenericMethod(typeof(TService)).Invoke(null, null)!;
    }

    private sealed class CompositeConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }
    }
}

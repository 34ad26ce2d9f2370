using Grpc.AspNetCore.HealthChecks;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Rpc.Logging;

namespace Platform.Rpc.Server;

public static class PlatformGrpcServer
{
    /// <summary>
    /// grpc-dotnet with what every platform daemon serves alike: the call log, reflection (v1 and
    /// v1alpha), the health service answering from the daemon's health checks, and Kestrel's
    /// HTTP/2 settings for long and fast streams. <paramref name="health"/> maps each gRPC service
    /// name to the health checks it depends on; "" (the whole server) depends on all of them.
    /// </summary>
    public static IServiceCollection AddPlatformGrpcServer(this IServiceCollection services, Action<GrpcServiceOptions>? configure = null,
        IReadOnlyDictionary<string, string[]>? health = null)
    {
        services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = GrpcLimits.DefaultMaxMessageSize;
            options.Interceptors.Add<ServerCallLogInterceptor>();
            configure?.Invoke(options);
        });
        // Replaces grpc-dotnet's binder of generated services: a request that does not parse is INVALID_ARGUMENT, not UNKNOWN.
        var generatedBinder = services.Single(d => d.ServiceType == typeof(IServiceMethodProvider<>) && d.ImplementationType?.Name == "BinderServiceMethodProvider`1");
        services.Remove(generatedBinder);
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(StrictRequestMethodProvider<>)));
        services.AddGrpcReflection();
        services.AddHealthChecks().AddCheck<ServingLifetimeHealthCheck>(ServingLifetimeHealthCheck.Name);
        services.AddGrpcHealthChecks(options =>
        {
            options.Services.Clear();
            options.Services.Map("", _ => true);
            foreach (var (service, checks) in health ?? new Dictionary<string, string[]>())
            {
                options.Services.Map(service, check => check.Name == ServingLifetimeHealthCheck.Name || checks.Contains(check.Name));
            }
        });
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

    /// <summary>Reflection and health, beside the daemon's own services.</summary>
    public static IEndpointRouteBuilder MapPlatformGrpcStandardServices(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcReflectionService();
        endpoints.MapGrpcHealthChecksService();
        return endpoints;
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Grpc.Services.Health;
using Platform.Grpc.Services.Reflection;

namespace Platform.Grpc.Services;

public static class GrpcStandardServicesExtensions
{
    /// <summary>The standard health and server-reflection services, as generic gRPC tools expect them.</summary>
    public static IServiceCollection AddGrpcStandardServices(this IServiceCollection services)
    {
        services.AddSingleton<GrpcHealthStatus>();
        services.AddSingleton<HealthService>();
        services.AddSingleton<ReflectionService>();
        services.AddSingleton<ReflectionServiceV1Alpha>();
        return services;
    }

    /// <summary>Maps grpc.health.v1 and both server-reflection versions; call after mapping the application's services.</summary>
    public static IEndpointRouteBuilder MapGrpcStandardServices(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<HealthService>();
        endpoints.MapGrpcService<ReflectionService>();
        endpoints.MapGrpcService<ReflectionServiceV1Alpha>();
        return endpoints;
    }
}

using Platform.Controller.Hosts;
using Platform.Grpc;
using Platform.Grpc.Services;

namespace Platform.Controller.Grpc;

internal static class ControllerGrpcExtensions
{
    /// <summary>The gRPC server agents call (registration, heartbeats), with health and reflection.</summary>
    public static WebApplicationBuilder AddControllerGrpc(this WebApplicationBuilder builder)
    {
        builder.Services.AddGrpcServer(_ => { });
        builder.Services.AddGrpcStandardServices();
        return builder;
    }

    public static WebApplication MapControllerGrpc(this WebApplication app)
    {
        app.MapGrpcService<HostRegistryService>();
        app.MapGrpcStandardServices();
        app.MapGrpcUnimplemented();
        return app;
    }
}

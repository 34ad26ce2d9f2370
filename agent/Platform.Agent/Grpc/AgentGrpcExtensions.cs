using Platform.Agent.Host;
using Platform.Agent.Operations;
using Platform.Agent.Storage.Commands;
using Platform.Agent.Transfer;
using Platform.Grpc;
using Platform.Grpc.Server;
using Platform.Grpc.Services;
using Platform.Grpc.Services.Health;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Platform.Agent.Grpc;

internal static class AgentGrpcExtensions
{
    /// <summary>
    /// The agent's gRPC server: its services, health and reflection, and mutual TLS when a
    /// client CA is configured. Endpoints (h2c or https, Protocols=Http2) come from Kestrel's
    /// configuration section.
    /// </summary>
    public static WebApplicationBuilder AddAgentGrpc(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(AgentGrpcOptions.Section).Get<AgentGrpcOptions>() ?? new AgentGrpcOptions();
        builder.Services.AddGrpcServer(server =>
        {
            server.MaxReceiveMessageSize = options.MaxReceiveMessageSize;
            server.EnableDetailedErrors = options.EnableDetailedErrors;
        });
        builder.Services.AddGrpcStandardServices();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AgentHostService>();
        builder.AddFileTransfer();
        builder.AddOperations();

        if (!string.IsNullOrWhiteSpace(options.ClientCertificateAuthority))
        {
            var authority = PinnedCertificateAuthority.FromPemFile(options.ClientCertificateAuthority);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.RequireClientCertificateFrom(authority)));
        }
        return builder;
    }

    public static WebApplication MapAgentGrpc(this WebApplication app)
    {
        app.MapGrpcService<AgentHostService>();
        app.MapGrpcService<FileTransferService>();
        app.MapGrpcService<RbdGrpcService>();
        app.MapGrpcService<Platform.Agent.Compute.DomainGrpcService>();
        app.MapGrpcStandardServices();
        app.MapGrpcUnimplemented();

        // Serving from the moment the host has started until it begins to stop.
        var health = app.Services.GetRequiredService<GrpcHealthStatus>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            health.Set("", ServingStatus.Serving);
            foreach (var service in app.Services.GetRequiredService<Platform.Grpc.Server.GrpcServiceRegistry>().Services)
            {
                health.Set(service.FullName, ServingStatus.Serving);
            }
        });
        app.Lifetime.ApplicationStopping.Register(() => health.SetAll(ServingStatus.NotServing));
        return app;
    }
}

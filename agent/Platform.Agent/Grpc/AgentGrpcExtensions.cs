using Platform.Agent.Compute;
using Platform.Common.Hosting;
using Platform.Agent.DriverDisk;
using Platform.Agent.Host;
using Platform.Agent.Storage;
using Platform.Agent.Storage.Commands;
using Platform.Agent.Transfer;
using Platform.Agent.Operations;
using Microsoft.Extensions.Options;
using Platform.Contracts.Agent.V1;
using Platform.Rpc.Identity;
using Platform.Rpc.Server;
using Platform.Rpc.Tls;

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
        // Read while the host is built (the server's limits are fixed here), so validated now.
        var options = builder.Configuration.GetValidated<AgentGrpcOptions>(AgentGrpcOptions.Section);
        // What each service needs to do its work; the server as a whole ("") needs all of it.
        var health = new Dictionary<string, string[]>
        {
            [HostService.Descriptor.FullName] = [],
            [FileService.Descriptor.FullName] = [],
            [DomainService.Descriptor.FullName] = [LibvirtSocketHealthCheck.Name],
            [RbdService.Descriptor.FullName] = [CephMonitorHealthCheck.Name],
            [DriverDiskService.Descriptor.FullName] = [],
            [global::Grpc.Health.V1.Health.Descriptor.FullName] = [],
        };
        builder.Services.AddPlatformGrpcServer(server =>
        {
            server.MaxReceiveMessageSize = options.MaxReceiveMessageSize;
            server.EnableDetailedErrors = options.EnableDetailedErrors;
        }, health);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AgentHostService>();
        builder.AddFileTransfer();
        builder.AddOperations();

        var exposure = AgentEndpointExposure.Problems(builder.Configuration, clientAuthority: !string.IsNullOrWhiteSpace(options.ClientCertificateAuthority));
        if (exposure.Count > 0)
        {
            throw new OptionsValidationException(KestrelEndpointSettings.Section, typeof(AgentGrpcOptions), exposure);
        }
        if (!string.IsNullOrWhiteSpace(options.ClientCertificateAuthority))
        {
            var authority = PinnedCertificateAuthority.FromSetting(AgentGrpcOptions.AuthorityKey, options.ClientCertificateAuthority);
            // Every https endpoint: gRPC is served on each endpoint that speaks HTTP/2.
            EndpointTls.Of(builder).RequireClientCertificate(endpoint: null, authority);
            // Mutual TLS says the caller is of the platform; its certificate's role says what it may call.
            builder.Services.AddCallerAuthorization<AgentCallerPolicy>();
        }
        return builder;
    }

    public static WebApplication MapAgentGrpc(this WebApplication app)
    {
        app.MapGrpcService<AgentHostService>();
        app.MapGrpcService<FileTransferService>();
        app.MapGrpcService<RbdGrpcService>();
        app.MapGrpcService<DomainGrpcService>();
        app.MapGrpcService<DriverDiskGrpcService>();
        app.MapPlatformGrpcStandardServices();
        return app;
    }
}

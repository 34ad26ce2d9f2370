using Platform.Controller.Hosts;
using Platform.Rpc.Identity;
using Platform.Rpc.Server;
using Platform.Rpc.Tls;

namespace Platform.Controller.Grpc;

internal static class ControllerGrpcExtensions
{
    private const string GrpcEndpoint = "Grpc";

    /// <summary>
    /// The gRPC server agents call (registration, heartbeats), with health and reflection. With
    /// Grpc:ClientCertificateAuthority set, the Kestrel endpoint "Grpc" (https://) admits only
    /// agents presenting a certificate from that CA; the REST endpoint is left as it is.
    /// </summary>
    public static WebApplicationBuilder AddControllerGrpc(this WebApplicationBuilder builder)
    {
        builder.Services.AddPlatformGrpcServer(grpc => grpc.Interceptors.Add<DatabaseOutageInterceptor>());

        var authorityFile = builder.Configuration[$"{GrpcEndpoint}:ClientCertificateAuthority"];
        if (!string.IsNullOrWhiteSpace(authorityFile))
        {
            var url = builder.Configuration[$"Kestrel:Endpoints:{GrpcEndpoint}:Url"];
            if (url is null || !url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                // A configuration mistake, not a runtime condition: starting would serve registration in the clear.
                throw new InvalidOperationException($"Grpc:ClientCertificateAuthority is set, so Kestrel:Endpoints:Grpc:Url must be https:// (it is '{url}')");
            }
            var authority = PinnedCertificateAuthority.FromPemFile(authorityFile);
            // The certificate this endpoint serves is re-read when its files change (a renewal needs no restart).
            var serverCertificate = ServerCertificates.FromEndpointConfiguration(builder.Configuration, GrpcEndpoint);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel
                .Configure(builder.Configuration.GetSection("Kestrel"), reloadOnChange: false)
                .Endpoint(GrpcEndpoint, endpoint =>
                {
                    endpoint.HttpsOptions.RequireClientCertificateFrom(authority);
                    if (serverCertificate is not null)
                    {
                        endpoint.HttpsOptions.ServeReloading(serverCertificate, kestrel);
                    }
                }));
            // Mutual TLS says the caller is of the platform; its certificate's role says what it may call.
            builder.Services.AddCallerAuthorization<ControllerCallerPolicy>();
        }
        return builder;
    }

    public static WebApplication MapControllerGrpc(this WebApplication app)
    {
        app.MapGrpcService<HostRegistryService>();
        app.MapPlatformGrpcStandardServices();
        return app;
    }
}

using Platform.Common.Hosting;
using Platform.Controller.Hosts;
using Platform.Rpc.Identity;
using Platform.Rpc.Server;
using Platform.Rpc.Tls;

namespace Platform.Controller.Grpc;

internal static class ControllerGrpcExtensions
{
    private const string GrpcEndpoint = "Grpc";
    private const string UrlKey = $"Kestrel:Endpoints:{GrpcEndpoint}:Url";
    private const string AuthorityKey = $"{ControllerGrpcOptions.Section}:{nameof(ControllerGrpcOptions.ClientCertificateAuthority)}";

    /// <summary>
    /// The gRPC server agents call (registration, heartbeats), with health and reflection. With
    /// Grpc:ClientCertificateAuthority set, the Kestrel endpoint "Grpc" (https://) admits only
    /// agents presenting a certificate from that CA; the REST endpoint is left as it is.
    /// </summary>
    public static WebApplicationBuilder AddControllerGrpc(this WebApplicationBuilder builder)
    {
        // Read while the host is built (it decides how Kestrel is set up), so validated now: a misspelt key must not leave registration without mutual TLS.
        var options = builder.Configuration.GetValidated<ControllerGrpcOptions>(ControllerGrpcOptions.Section);
        builder.Services.AddPlatformGrpcServer(grpc => grpc.Interceptors.Add<DatabaseOutageInterceptor>());

        if (!string.IsNullOrWhiteSpace(options.ClientCertificateAuthority))
        {
            var url = builder.Configuration[UrlKey];
            if (url is null || KestrelEndpointSettings.ParseUrl(url) is not { Scheme: "https" })
            {
                // Starting would serve registration in the clear.
                throw new StartupFailureException($"{UrlKey} must be https:// when {AuthorityKey} is set (it is '{url}')", StartupFailure.ConfigurationExitCode);
            }
            var authority = PinnedCertificateAuthority.FromSetting(AuthorityKey, options.ClientCertificateAuthority);
            EndpointTls.Of(builder).RequireClientCertificate(GrpcEndpoint, authority);
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

using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Grpc;

namespace Platform.Tests.Integration.Grpc;

/// <summary>The transport's server side in this process: real Kestrel on 127.0.0.1, a random port.</summary>
internal sealed class TransportTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TransportTestServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Service = app.Services.GetRequiredService<TransportTestService>();
    }

    public Uri Address { get; }

    public TransportTestService Service { get; }

    public static async Task<TransportTestServer> StartAsync(
        Action<GrpcServerOptions>? configure = null,
        X509Certificate2? serverCertificate = null,
        PinnedCertificateAuthority? clientAuthority = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Only what this method sets: no appsettings.json or environment variables of this process.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcServer(configure);
        builder.Services.AddSingleton<TransportTestService>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (serverCertificate is not null)
            {
                listen.UseHttps(serverCertificate, https =>
                {
                    if (clientAuthority is not null)
                    {
                        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                        https.ClientCertificateValidation = (certificate, _, _) => clientAuthority.Validates(certificate, SslPolicyErrors.None, PinnedCertificateAuthority.ClientAuthentication);
                    }
                });
            }
        }));
        var app = builder.Build();
        app.MapGrpcService<TransportTestService>();
        app.MapGrpcUnimplemented();
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var address = new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return new TransportTestServer(app, address);
    }

    public GrpcChannel Channel(GrpcChannelOptions? options = null) => GrpcChannel.ForAddress(Address, options);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Grpc.AspNetCore.Server;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Platform.Rpc.Client;
using Platform.Rpc.Server;
using Platform.Rpc.Tls;

namespace Platform.Tests.Integration.Grpc;

/// <summary>The daemons' gRPC server set-up (AddPlatformGrpcServer) in this process: real Kestrel on 127.0.0.1, a random port; its log lines are kept.</summary>
internal sealed class TransportTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TransportTestServer(WebApplication app, Uri address, CapturedLog log)
    {
        _app = app;
        Address = address;
        Log = log;
        Service = app.Services.GetRequiredService<TransportTestService>();
    }

    public Uri Address { get; }

    /// <summary>What the server logged (the call log among it).</summary>
    public CapturedLog Log { get; }

    public TransportTestService Service { get; }

    public static async Task<TransportTestServer> StartAsync(
        Action<GrpcServiceOptions>? configure = null,
        X509Certificate2? serverCertificate = null,
        PinnedCertificateAuthority? clientAuthority = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Only what this method sets: no appsettings.json or environment variables of this process.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        var log = new CapturedLog();
        builder.Logging.AddProvider(log);
        builder.Services.AddPlatformGrpcServer(configure);
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
                        https.RequireClientCertificateFrom(clientAuthority);
                    }
                });
            }
        }));
        var app = builder.Build();
        app.MapGrpcService<TransportTestService>();
        app.MapPlatformGrpcStandardServices();
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var address = new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return new TransportTestServer(app, address, log);
    }

    public GrpcChannel Channel(PlatformChannelOptions? options = null) => PlatformChannel.ForAddress(Address.ToString(), options ?? new PlatformChannelOptions());

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

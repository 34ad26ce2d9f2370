using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Grpc.Core;
using Platform.Rpc.Server;
using Grpc.Net.Client;

namespace Platform.Tests.Integration.Agent.Registration;

/// <summary>
/// <see cref="TestHostRegistry"/> served by the project's gRPC server on real Kestrel, h2c on
/// 127.0.0.1 at a fixed port, so that it can go down and come back at the same address.
/// </summary>
internal sealed class RegistryTestServer : IAsyncDisposable
{
    private WebApplication? _app;

    private RegistryTestServer(int port, TestHostRegistry registry)
    {
        Port = port;
        Registry = registry;
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public TestHostRegistry Registry { get; }

    public bool IsRunning => _app is not null;

    public static async Task<RegistryTestServer> StartAsync(int port, TestHostRegistry registry)
    {
        var server = new RegistryTestServer(port, registry);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        if (_app is not null)
        {
            return;
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddPlatformGrpcServer();
        builder.Services.AddSingleton(Registry);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port, listen => listen.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapGrpcService<TestHostRegistry>();
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Stops listening and closes the connections: the agent's next call finds nobody there.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}

using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Contracts.Agent.V1;
using Platform.Contracts.Controller.V1;
using Platform.Rpc.Client;
using Platform.Rpc.Tls;
using Platform.Tests.Integration.Grpc;

namespace Platform.Tests.Integration.Controller.Seed;

/// <summary>
/// A host whose agent answers every RbdService call NOT_FOUND, as a real agent does when the
/// pool it is asked about is gone: the one agent status no request can provoke on the shared
/// test Ceph without removing a pool under every other test. It serves mutual TLS with the
/// fixture's agent certificate and registers and heartbeats like a real agent.
/// </summary>
internal sealed class NotFoundAgent : IAsyncDisposable
{
    public const string Detail = "pool images does not exist (staged by the test)";

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly ClientTlsCredentials _tls;
    private Task _heartbeats = Task.CompletedTask;

    private NotFoundAgent(WebApplication app, ClientTlsCredentials tls)
    {
        _app = app;
        _tls = tls;
    }

    public static async Task<NotFoundAgent> StartAsync(PlatformCertificates certificates, string controllerGrpcUrl, string hostId)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        var serverCertificate = certificates.AgentFor(hostId).Load();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(serverCertificate);
        }));
        var app = builder.Build();
        app.MapGrpcService<NotFoundRbdService>();
        await app.StartAsync();
        var endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()
            .Replace("http://", "https://", StringComparison.Ordinal);

        var tls = new GrpcClientTlsOptions
        {
            CertificateAuthority = certificates.AuthorityPath,
            CertificatePath = certificates.AgentFor(hostId).CertificatePath,
            KeyPath = certificates.AgentFor(hostId).KeyPath,
        }.LoadCredentials()!;
        var registry = new HostRegistry.HostRegistryClient(PlatformChannel.ForAddress(controllerGrpcUrl, new PlatformChannelOptions { Tls = tls }));
        await registry.RegisterHostAsync(new RegisterHostRequest
        {
            HostId = hostId,
            Hostname = hostId,
            GrpcEndpoint = endpoint,
            HostIp = "127.0.0.1",
            Cpus = 2,
            MemoryTotalBytes = 4UL << 30,
            MemoryFreeBytes = 4UL << 30,
            AgentVersion = "not-found-agent",
        });
        var agent = new NotFoundAgent(app, tls);
        agent._heartbeats = agent.HeartbeatAsync(registry, hostId);
        return agent;
    }

    private async Task HeartbeatAsync(HostRegistry.HostRegistryClient registry, string hostId)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await registry.HeartbeatAsync(new HeartbeatRequest { HostId = hostId, MemoryFreeBytes = 4UL << 30 }, cancellationToken: _stop.Token);
                await Task.Delay(TimeSpan.FromMilliseconds(500), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _heartbeats;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _tls.Dispose();
        _stop.Dispose();
    }

    private sealed class NotFoundRbdService : RbdService.RbdServiceBase
    {
        private static RpcException NotFound => new(new Status(StatusCode.NotFound, Detail));

        public override Task<RbdImage> CreateImage(CreateImageRequest request, ServerCallContext context) => throw NotFound;

        public override Task<ListImagesResponse> ListImages(ListImagesRequest request, ServerCallContext context) => throw NotFound;

        public override Task<RbdImage> GetImage(GetImageRequest request, ServerCallContext context) => throw NotFound;

        public override Task<RemoveImageResponse> RemoveImage(RemoveImageRequest request, ServerCallContext context) => throw NotFound;

        public override Task<RbdImage> CloneImage(CloneImageRequest request, ServerCallContext context) => throw NotFound;
    }
}

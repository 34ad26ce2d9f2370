using Grpc.Health.V1;
using ServingStatus = global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Platform.Grpc.Services.Health;

/// <summary>grpc.health.v1.Health over <see cref="GrpcHealthStatus"/>.</summary>
public sealed class HealthService(GrpcHealthStatus statuses) : global::Grpc.Health.V1.Health.HealthBase
{
    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context) =>
        statuses.Get(request.Service, out _) is { } status
            ? Task.FromResult(new HealthCheckResponse { Status = status })
            : throw new RpcException(new Status(StatusCode.NotFound, $"Unknown service '{request.Service}'."));

    /// <summary>The current status at once, then every change, until the client goes away (SERVICE_UNKNOWN while unknown).</summary>
    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        ServingStatus? last = null;
        while (!context.CancellationToken.IsCancellationRequested)
        {
            var status = statuses.Get(request.Service, out var changed) ?? ServingStatus.ServiceUnknown;
            if (status != last)
            {
                await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken).ConfigureAwait(false);
                last = status;
            }
            await changed.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        }
    }
}

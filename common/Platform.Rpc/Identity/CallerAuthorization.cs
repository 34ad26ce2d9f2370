using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Platform.Rpc.Identity;

/// <summary>Who may make which call on one daemon's gRPC server, decided in one place.</summary>
public interface ICallerPolicy
{
    /// <summary>
    /// Why <paramref name="caller"/> may not call <paramref name="method"/> ("/package.Service/Method"),
    /// or null when it may. <paramref name="request"/> is the request message of unary and
    /// server-streaming calls, null for calls that stream requests (decided before the first one).
    /// </summary>
    string? Refusal(string method, PlatformIdentity caller, object? request);
}

/// <summary>
/// Every call on a mutual-TLS server passes here before its handler: the caller's identity comes
/// from its client certificate (<see cref="PlatformIdentity"/>) and the daemon's
/// <see cref="ICallerPolicy"/> admits it or not. A certificate without a platform identity, or
/// one the policy refuses, is PERMISSION_DENIED with the reason.
/// </summary>
public sealed partial class CallerAuthorizationInterceptor(ICallerPolicy policy, ILogger<CallerAuthorizationInterceptor> logger) : Interceptor
{
    private static readonly object IdentityKey = new();

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, request);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, request: null);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, request);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, request: null);
        return continuation(requestStream, responseStream, context);
    }

    /// <summary>The identity of the caller of <paramref name="context"/>, once this interceptor admitted the call; null otherwise.</summary>
    public static PlatformIdentity? CallerOf(ServerCallContext context) =>
        context.GetHttpContext().Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(IdentityKey, out var identity) == true
            ? identity as PlatformIdentity
            : null;

    private void Authorize(ServerCallContext context, object? request)
    {
        var (caller, problem) = IdentityOf(context);
        var refusal = caller is null ? problem : policy.Refusal(context.Method, caller, request);
        if (refusal is null)
        {
            return;
        }
        var subject = context.GetHttpContext().Connection.ClientCertificate?.Subject ?? "no certificate";
        LogRefused(logger, context.Method, caller?.ToUri() ?? subject, refusal);
        throw new RpcException(new Status(StatusCode.PermissionDenied, $"{context.Method} refused: {refusal}"));
    }

    /// <summary>The caller's identity, parsed once per connection (every call on it presents the same certificate).</summary>
    private static (PlatformIdentity? Identity, string? Problem) IdentityOf(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var items = http.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items is not null && items.TryGetValue(IdentityKey, out var known) && known is PlatformIdentity cached)
        {
            return (cached, null);
        }
        if (http.Connection.ClientCertificate is not { } certificate)
        {
            return (null, "the caller presented no client certificate");
        }
        var identity = PlatformIdentity.FromCertificate(certificate, out var problem);
        if (identity is not null && items is not null)
        {
            items[IdentityKey] = identity;
        }
        return (identity, problem);
    }

    [LoggerMessage(EventId = 9111, Level = LogLevel.Warning, Message = "Refused {Method} from {Caller}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string caller, string reason);
}

public static class CallerAuthorization
{
    /// <summary>
    /// Every gRPC call of this server (its own services, health, reflection) is admitted by
    /// <typeparamref name="TPolicy"/>, right after the call log, so refusals are logged as calls too.
    /// </summary>
    public static IServiceCollection AddCallerAuthorization<TPolicy>(this IServiceCollection services) where TPolicy : class, ICallerPolicy
    {
        services.TryAddSingleton<ICallerPolicy, TPolicy>();
        services.Configure<GrpcServiceOptions>(options =>
        {
            options.Interceptors.Add<CallerAuthorizationInterceptor>();
            var registration = options.Interceptors[^1];
            options.Interceptors.RemoveAt(options.Interceptors.Count - 1);
            options.Interceptors.Insert(Math.Min(1, options.Interceptors.Count), registration);
        });
        return services;
    }
}

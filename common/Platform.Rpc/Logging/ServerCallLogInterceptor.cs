using System.Diagnostics;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Platform.Common.Observability;

namespace Platform.Rpc.Logging;

/// <summary>Logs and times (<see cref="PlatformMetrics.RpcServerDuration"/>) every call a server answers, when it ends, with the caller's certificate subject (mutual TLS) or address.</summary>
internal sealed class ServerCallLogInterceptor(ILoggerFactory loggers) : Interceptor
{
    private readonly ILogger _logger = loggers.CreateLogger(CallLog.Category);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            Log(context, started, request, null);
            return response;
        }
        catch (Exception e)
        {
            Log(context, started, request, e);
            throw;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(requestStream, context).ConfigureAwait(false);
            Log(context, started, null, null);
            return response;
        }
        catch (Exception e)
        {
            Log(context, started, null, e);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            Log(context, started, request, null);
        }
        catch (Exception e)
        {
            Log(context, started, request, e);
            throw;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            Log(context, started, null, null);
        }
        catch (Exception e)
        {
            Log(context, started, null, e);
            throw;
        }
    }

    private void Log(ServerCallContext context, long started, object? request, Exception? failure)
    {
        var (status, detail) = failure switch
        {
            null => (context.Status.StatusCode, context.Status.Detail),
            RpcException e => (e.StatusCode, e.Status.Detail),
            // What grpc-dotnet answers for a handler that gave up on its token.
            OperationCanceledException when context.CancellationToken.IsCancellationRequested =>
                context.Deadline <= DateTime.UtcNow ? (StatusCode.DeadlineExceeded, "deadline passed") : (StatusCode.Cancelled, "the caller went away"),
            _ => (StatusCode.Unknown, failure.GetType().Name + ": " + failure.Message),
        };
        var elapsed = CallLog.MillisecondsSince(started);
        PlatformMetrics.RecordRpc(PlatformMetrics.RpcServerDuration, context.Method, status.ToString(), elapsed / 1000);
        var level = CallLog.LevelOf(status);
        if (!_logger.IsEnabled(level))
        {
            return;
        }
        var connection = context.GetHttpContext().Connection;
        var caller = connection.ClientCertificate is { Subject.Length: > 0 } certificate ? $"{certificate.Subject} (serial {certificate.SerialNumber})" : context.Peer;
        var shownDetail = CallLog.DetailOf(status, detail);
        var operationId = CallLog.OperationIdOf(request);
        var traceId = CallLog.TraceId();
        CallLog.Served(_logger, level, context.Method, status, elapsed, shownDetail, operationId, caller, traceId);
    }
}

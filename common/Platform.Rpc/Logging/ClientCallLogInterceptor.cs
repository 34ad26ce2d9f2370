using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Platform.Common.Observability;

namespace Platform.Rpc.Logging;

/// <summary>
/// Logs and times (<see cref="PlatformMetrics.RpcClientDuration"/>) every call a client makes, when it ends. The trace id is the caller's current
/// activity, which HttpClient sends on as <c>traceparent</c>: the server's line shows the same id.
/// </summary>
internal sealed class ClientCallLogInterceptor(ILogger logger, string target) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var traceId = CallLog.TraceId();
        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(LogWhenAnsweredAsync(call.ResponseAsync, context.Method.FullName, started, request, traceId),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var traceId = CallLog.TraceId();
        var call = continuation(context);
        return new AsyncClientStreamingCall<TRequest, TResponse>(call.RequestStream,
            LogWhenAnsweredAsync(call.ResponseAsync, context.Method.FullName, started, null, traceId),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var traceId = CallLog.TraceId();
        var call = continuation(request, context);
        return new AsyncServerStreamingCall<TResponse>(call.ResponseStream, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers,
            () => LogAndDispose(call.GetStatus, call.Dispose, context.Method.FullName, started, request, traceId));
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var traceId = CallLog.TraceId();
        var call = continuation(context);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call.RequestStream, call.ResponseStream, call.ResponseHeadersAsync,
            call.GetStatus, call.GetTrailers, () => LogAndDispose(call.GetStatus, call.Dispose, context.Method.FullName, started, null, traceId));
    }

    private async Task<TResponse> LogWhenAnsweredAsync<TResponse>(Task<TResponse> response, string method, long started, object? request, string traceId)
    {
        try
        {
            var answer = await response.ConfigureAwait(false);
            Log(method, StatusCode.OK, "", started, request, traceId);
            return answer;
        }
        catch (RpcException e)
        {
            Log(method, e.StatusCode, e.Status.Detail, started, request, traceId);
            throw;
        }
    }

    /// <summary>A stream's call is logged when its owner lets go of it: with its status if it ended, as cancelled if not.</summary>
    private void LogAndDispose(Func<Status> status, Action dispose, string method, long started, object? request, string traceId)
    {
        Status ended;
        try
        {
            ended = status();
        }
        catch (InvalidOperationException)
        {
            ended = new Status(StatusCode.Cancelled, "the caller stopped reading before the end");
        }
        Log(method, ended.StatusCode, ended.Detail, started, request, traceId);
        dispose();
    }

    private void Log(string method, StatusCode status, string detail, long started, object? request, string traceId)
    {
        var elapsed = CallLog.MillisecondsSince(started);
        PlatformMetrics.RecordRpc(PlatformMetrics.RpcClientDuration, method, status.ToString(), elapsed / 1000);
        var level = CallLog.LevelOf(status);
        if (logger.IsEnabled(level))
        {
            var shownDetail = CallLog.DetailOf(status, detail);
            var operationId = CallLog.OperationIdOf(request);
            CallLog.Called(logger, level, method, target, status, elapsed, shownDetail, operationId, traceId);
        }
    }
}

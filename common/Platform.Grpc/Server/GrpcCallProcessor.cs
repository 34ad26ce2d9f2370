using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Grpc.Protocol;

namespace Platform.Grpc.Server;

/// <summary>Runs one call: checks the request, invokes the handler, turns its outcome into a status.</summary>
internal sealed partial class GrpcCallProcessor(IOptions<GrpcServerOptions> options, ILogger<GrpcCallProcessor> logger)
{
    private readonly GrpcServerOptions _options = options.Value;

    public async Task ProcessAsync(HttpContext http, ServerMethodDefinition definition, Func<HttpContext, object> resolveService)
    {
        if (!IsAcceptableRequest(http))
        {
            return;
        }
        using var call = HttpServerCall.TryCreate(http, _options, out var headerError);
        if (call is null)
        {
            HttpServerCall.WriteTrailersOnly(http.Response, headerError);
            return;
        }

        Status status;
        var trailers = call.ResponseTrailers;
        try
        {
            await definition.InvokeAsync(call, resolveService(http)).ConfigureAwait(false);
            status = call.DeadlineExceeded ? DeadlineExceeded : call.Status;
        }
        catch (Exception) when (call.ClientGone)
        {
            // The client reset the stream or the connection dropped: nobody to answer.
            LogClientGone(logger, definition.Method.FullName);
            return;
        }
        catch (Exception) when (call.DeadlineExceeded)
        {
            status = DeadlineExceeded;
        }
        catch (RpcException e)
        {
            status = e.Status;
            foreach (var entry in e.Trailers)
            {
                trailers.Add(entry);
            }
        }
        catch (Exception e)
        {
            LogHandlerFailed(logger, e, definition.Method.FullName);
            status = new Status(StatusCode.Unknown, _options.EnableDetailedErrors
                ? $"Exception was thrown by handler. {e.GetType().Name}: {e.Message}"
                : "Exception was thrown by handler.");
        }
        call.Finish(status, trailers);
    }

    /// <summary>An RPC path reached by a method or service this server does not have.</summary>
    public static Task UnimplementedAsync(HttpContext http, string service, string method, bool serviceKnown)
    {
        if (IsAcceptableRequest(http))
        {
            HttpServerCall.WriteTrailersOnly(http.Response, new Status(StatusCode.Unimplemented, serviceKnown
                ? $"Method {method} of service {service} is unimplemented."
                : $"Service {service} is unimplemented."));
        }
        return Task.CompletedTask;
    }

    private static readonly Status DeadlineExceeded = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    /// <summary>gRPC is POST over HTTP/2 with a gRPC content type; anything else is answered in HTTP terms.</summary>
    private static bool IsAcceptableRequest(HttpContext http)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            http.Response.Headers.Allow = "POST";
            return false;
        }
        if (request.Protocol != "HTTP/2")
        {
            http.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            http.Response.Headers.Upgrade = "h2c";
            return false;
        }
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            HttpServerCall.WriteTrailersOnly(http.Response,
                new Status(StatusCode.Internal, $"Content-Type '{request.ContentType}' is not supported."),
                StatusCodes.Status415UnsupportedMediaType);
            return false;
        }
        return true;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "gRPC handler of {Method} failed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string method);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "gRPC call {Method}: the client went away")]
    private static partial void LogClientGone(ILogger logger, string method);
}

using Grpc.Core;
using Grpc.Core.Interceptors;
using Npgsql;
using Platform.Controller.Inventory;

namespace Platform.Controller.Grpc;

/// <summary>
/// An agent calling while the inventory database is down gets UNAVAILABLE (try again) rather
/// than UNKNOWN: its call was fine, the controller could not record it.
/// </summary>
internal sealed partial class DatabaseOutageInterceptor(Api.RepeatedWarnings repeated, ILogger<DatabaseOutageInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (NpgsqlException e) when (e.IsOutage())
        {
            if (repeated.ShouldLog("database-outage-grpc:" + context.Method, out var suppressed))
            {
                LogOutage(context.Method, e.Message, suppressed);
            }
            throw new RpcException(new Status(StatusCode.Unavailable, "the controller's inventory database is unavailable; try again"));
        }
    }

    [LoggerMessage(EventId = 1211, Level = LogLevel.Warning, Message = "{Method} answered UNAVAILABLE: the inventory database is down ({Reason}; {Suppressed} more since the last line)")]
    private partial void LogOutage(string method, string reason, int suppressed);
}

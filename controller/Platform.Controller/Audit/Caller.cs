using System.Diagnostics;
using Platform.Common.Observability;
using Platform.Controller.Idempotency;

namespace Platform.Controller.Audit;

/// <summary>
/// Who made a request, as far as the controller can tell without authentication: the peer
/// address, the request id (the caller's X-Request-Id, else the server's own) and the W3C
/// trace id, so an audit row can be matched with the caller's and the controller's logs.
/// </summary>
internal sealed record Caller(string? RemoteAddress, string RequestId, string? TraceId)
{
    public const string RequestIdHeader = RequestIds.Header;

    /// <summary>The request's own record, which the transaction writing its change joins (null outside a mutating request).</summary>
    public RequestOutcome? Outcome { get; init; }

    public static Caller Of(HttpRequest http)
    {
        var trace = Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.TraceId.ToHexString() : null;
        return new Caller(
            http.HttpContext.Connection.RemoteIpAddress?.ToString(),
            RequestIds.Of(http.HttpContext),
            trace)
        {
            Outcome = RequestOutcome.Of(http.HttpContext),
        };
    }
}

using System.Diagnostics;
using Platform.Common.Observability;
using Platform.Controller.Idempotency;
using Platform.Controller.Security;

namespace Platform.Controller.Audit;

/// <summary>
/// Who made a request: the signed-in principal, the peer address, the request id (the caller's
/// X-Request-Id, else the server's own) and the W3C trace id, so an audit row can be matched
/// with the caller's and the controller's logs.
/// </summary>
internal sealed record Caller(string? RemoteAddress, string RequestId, string? TraceId)
{
    public const string RequestIdHeader = RequestIds.Header;

    /// <summary>The request's own record, which the transaction writing its change joins (null outside a mutating request).</summary>
    public RequestOutcome? Outcome { get; init; }

    /// <summary>The authenticated principal as audit rows name it (<see cref="Principals.Describe"/>); null for anonymous calls.</summary>
    public string? Principal { get; init; }

    public static Caller Of(HttpRequest http)
    {
        var trace = Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.TraceId.ToHexString() : null;
        return new Caller(
            http.HttpContext.Connection.RemoteIpAddress?.ToString(),
            RequestIds.Of(http.HttpContext),
            trace)
        {
            Outcome = RequestOutcome.Of(http.HttpContext),
            Principal = Principals.Describe(http.HttpContext.User),
        };
    }
}

using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Platform.Common.Observability;

/// <summary>The id a request is known by in logs and audit rows: the caller's X-Request-Id when it is safe to show, else the server's own.</summary>
public static partial class RequestIds
{
    public const string Header = "X-Request-Id";

    public static string Of(HttpContext context)
    {
        var given = context.Request.Headers[Header].ToString();
        // Only an id that is safe to store and show; anything else is replaced, not refused.
        return Pattern().IsMatch(given) ? given : context.TraceIdentifier;
    }

    [GeneratedRegex("^[A-Za-z0-9._:/+=-]{1,128}$")]
    private static partial Regex Pattern();
}

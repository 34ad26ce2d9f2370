using System.Security.Claims;
using Platform.Common.Observability;

namespace Platform.Controller.Security;

/// <summary>
/// The request log names a principal as the audit trail does (<see cref="Principals.Describe"/>):
/// <c>alice (session)</c>, <c>ci (token tok-…)</c>, <c>terminal 7 (pc-12)</c>. A token's id is
/// public (the token list shows it); its secret never reaches the claims.
/// </summary>
internal sealed class RequestLogPrincipalNamer : IRequestPrincipalNamer
{
    public string? Name(ClaimsPrincipal user) => Principals.Describe(user);
}

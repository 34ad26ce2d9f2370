namespace Platform.Controller.Security;

/// <summary>The console's session cookie: HttpOnly (no script reads it), SameSite=Strict, Secure over HTTPS.</summary>
internal static class SessionCookies
{
    public const string Name = "platform_session";

    public static void Set(HttpResponse response, NewSession session) =>
        response.Cookies.Append(Name, session.Cookie, Options(response.HttpContext.Request, session.ExpiresAt));

    public static void Clear(HttpResponse response) =>
        response.Cookies.Delete(Name, Options(response.HttpContext.Request, null));

    private static CookieOptions Options(HttpRequest request, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}

using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Platform.Controller.WebConsole;

/// <summary>
/// The web console: static files under <see cref="Path"/> (wwwroot/console of the published
/// controller), served to anyone (they hold no data) and calling only the public REST API with
/// the user's session. Its pages get a strict Content-Security-Policy: scripts and connections to
/// this origin only, no inline script, no framing.
/// </summary>
internal static class ConsoleExtensions
{
    public const string Path = "/console";

    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication UseConsole(this WebApplication app)
    {
        var root = System.IO.Path.Combine(app.Environment.WebRootPath ?? System.IO.Path.Combine(AppContext.BaseDirectory, "wwwroot"), "console");
        if (!File.Exists(System.IO.Path.Combine(root, "index.html")))
        {
            throw new Common.Hosting.StartupFailureException($"the web console is missing: {root}/index.html does not exist (a broken installation)", 78);
        }
        var files = new PhysicalFileProvider(root);
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (path == "/" && HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.Redirect(Path + "/");
                return;
            }
            if (path.StartsWithSegments(Path))
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                // Revalidated on every load, so that an upgraded controller serves its own console.
                headers.CacheControl = "no-cache";
            }
            await next(context);
        });
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = Path });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = Path,
            OnPrepareResponse = context => context.Context.Response.Headers[HeaderNames.CacheControl] = "no-cache",
        });
        return app;
    }
}

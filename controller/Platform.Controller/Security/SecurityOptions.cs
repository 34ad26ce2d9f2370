using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Platform.Common.Hosting;

namespace Platform.Controller.Security;

internal sealed class SecurityOptions : IValidatableObject
{
    public const string Section = "Security";

    /// <summary>Passwords shorter than this are refused (NIST SP 800-63B asks for at least 8; we ask for more).</summary>
    public const int MinimumPasswordLength = 12;

    /// <summary>How long a console session lasts after signing in.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Sign-in attempts allowed per client address and minute; more are answered 429.</summary>
    [Range(1, 10_000)]
    public int SignInAttemptsPerMinute { get; set; } = 10;

    /// <summary>The first admin's name, created at start while there is no user at all.</summary>
    [Required]
    [RegularExpression(UserNames.Pattern, ErrorMessage = "Security:InitialAdminName " + UserNames.Rule)]
    public string InitialAdminName { get; set; } = "admin";

    /// <summary>A file holding the first admin's password (one line, at least <see cref="MinimumPasswordLength"/> characters, not readable by others).</summary>
    public string? InitialAdminPasswordFile { get; set; }

    /// <summary>
    /// Also take GET on volume/delete and network/delete, as the seed's consoles send them. Off:
    /// a change is never made by a GET, which browsers and proxies may prefetch or repeat.
    /// </summary>
    public bool AllowGetDeletes { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (InitialAdminPasswordFile is { Length: > 0 } file && !Path.IsPathFullyQualified(file))
        {
            yield return new ValidationResult($"{Section}:InitialAdminPasswordFile must be an absolute path (it is {file})", [nameof(InitialAdminPasswordFile)]);
        }
    }
}

/// <summary>The methods of the seed's delete endpoints that its consoles call with GET.</summary>
internal static class LegacyDeletes
{
    /// <summary>POST; and GET too when <see cref="SecurityOptions.AllowGetDeletes"/> says so (still with credentials).</summary>
    public static string[] Methods(IEndpointRouteBuilder app) =>
        app.ServiceProvider.GetRequiredService<IOptions<SecurityOptions>>().Value.AllowGetDeletes
            ? [HttpMethods.Get, HttpMethods.Post]
            : [HttpMethods.Post];
}

/// <summary>
/// The REST endpoint speaks HTTPS, or plain HTTP on a loopback address only (where nothing but
/// this machine can listen in): credentials never cross a network in clear text.
/// </summary>
internal sealed class RestEndpointValidation(IConfiguration configuration) : IValidateOptions<SecurityOptions>
{
    public const string UrlKey = "Kestrel:Endpoints:Rest:Url";

    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        var url = configuration[UrlKey];
        // A Url Kestrel could not listen on at all is KestrelEndpointSettings' to report.
        return url is not null && KestrelEndpointSettings.ParseUrl(url) is { Scheme: "http", IsLoopback: false }
            ? ValidateOptionsResult.Fail($"{UrlKey} is {url}: plain http only on a loopback address (127.0.0.1, [::1], localhost); elsewhere use https:// with a certificate (Kestrel:Endpoints:Rest:Certificate:Path and KeyPath)")
            : ValidateOptionsResult.Success;
    }
}

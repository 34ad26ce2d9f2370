using Platform.Common.Hosting;
using Microsoft.Extensions.Options;

namespace Platform.Agent.Registration;

internal static class RegistrationExtensions
{
    /// <summary>
    /// Registration with the controller and heartbeats (<see cref="HostRegistrationService"/>),
    /// configured by the "Registration" section; an empty ControllerUrl leaves it off.
    /// </summary>
    public static WebApplicationBuilder AddHostRegistration(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<RegistrationOptions>(builder.Configuration, RegistrationOptions.Section)
            .PostConfigure<IConfiguration>((options, configuration) => options.ResolveDefaults(configuration["Kestrel:Endpoints:Grpc:Url"]))
            .Validate(
                options => !options.Enabled || (Uri.TryCreate(options.ControllerUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"),
                "Registration:ControllerUrl must be an absolute http:// or https:// URL")
            .Validate(
                options => !options.Enabled || !string.IsNullOrWhiteSpace(options.AdvertisedEndpoint),
                "Registration:AdvertisedEndpoint is needed when Kestrel has no endpoint named Grpc");
        builder.Services.AddSingleton<IValidateOptions<RegistrationOptions>, RegistrationTlsValidation>();
        builder.Services.AddHostedService<HostRegistrationService>();
        return builder;
    }
}

/// <summary>Registration:Tls complete, its files loadable, and used: certificates on an http:// URL would silently leave the agent talking h2c.</summary>
internal sealed class RegistrationTlsValidation : IValidateOptions<RegistrationOptions>
{
    private const string Section = RegistrationOptions.Section + ":Tls";

    public ValidateOptionsResult Validate(string? name, RegistrationOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }
        var problems = options.Tls.Problems(Section).ToList();
        if (options.Tls.Enabled && !options.ControllerUrl!.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{Section} is set, so {RegistrationOptions.Section}:ControllerUrl must be an https:// URL");
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

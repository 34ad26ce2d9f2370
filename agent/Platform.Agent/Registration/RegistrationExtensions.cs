namespace Platform.Agent.Registration;

internal static class RegistrationExtensions
{
    /// <summary>
    /// Registration with the controller and heartbeats (<see cref="HostRegistrationService"/>),
    /// configured by the "Registration" section; an empty ControllerUrl leaves it off.
    /// </summary>
    public static WebApplicationBuilder AddHostRegistration(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RegistrationOptions>()
            .Bind(builder.Configuration.GetSection(RegistrationOptions.Section))
            .PostConfigure<IConfiguration>((options, configuration) => options.ResolveDefaults(configuration["Kestrel:Endpoints:Grpc:Url"]))
            .ValidateDataAnnotations()
            .Validate(
                options => !options.Enabled || (Uri.TryCreate(options.ControllerUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"),
                "Registration:ControllerUrl must be an absolute http:// or https:// URL")
            .Validate(
                options => !options.Enabled || !string.IsNullOrWhiteSpace(options.AdvertisedEndpoint),
                "Registration:AdvertisedEndpoint is needed when Kestrel has no endpoint named Grpc")
            .ValidateOnStart();
        builder.Services.AddHostedService<HostRegistrationService>();
        return builder;
    }
}

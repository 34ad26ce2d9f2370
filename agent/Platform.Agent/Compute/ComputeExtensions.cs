namespace Platform.Agent.Compute;

internal static class ComputeExtensions
{
    public static WebApplicationBuilder AddCompute(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ComputeOptions>()
            .Bind(builder.Configuration.GetSection(ComputeOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHealthChecks().AddCheck<LibvirtSocketHealthCheck>("libvirt");
        return builder;
    }
}

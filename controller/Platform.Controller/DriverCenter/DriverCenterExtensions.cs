using Microsoft.Extensions.Options;
using Platform.Controller.Tasks;

namespace Platform.Controller.DriverCenter;

internal static class DriverCenterExtensions
{
    /// <summary>The driver center (seed 003): /thor/voi endpoints over the driver-center host's agent.</summary>
    public static WebApplicationBuilder AddDriverCenter(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DriverCenterOptions>()
            .Bind(builder.Configuration.GetSection(DriverCenterOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DriverCenterOptions>, DriverCenterOptionsValidation>();
        builder.Services.AddSingleton<DriverCenterHost>();
        builder.Services.AddSingleton<DriverCenterStore>();
        builder.Services.AddSingleton<SystemDriverStore>();
        builder.Services.AddSingleton<TemplateDriverStore>();
        builder.Services.AddSingleton<DriverDiskUseCases>();
        builder.Services.AddSingleton<SystemDriverUseCases>();
        builder.Services.AddSingleton<TemplateDriverUseCases>();
        builder.Services.AddSingleton<ITaskHandler, SaveDriverDiskHandler>();
        builder.Services.AddSingleton<ITaskHandler, RestoreDriverDiskHandler>();
        return builder;
    }

    public static void MapDriverCenterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapSystemDriverEndpoints();
        app.MapDriverDiskEndpoints();
        app.MapTemplateEndpoints();
    }
}

using Platform.Common.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Platform.Controller.Inventory;
using Platform.Controller.Tasks;

namespace Platform.Controller.DriverCenter;

internal static class DriverCenterExtensions
{
    /// <summary>The driver center (seed 003): /thor/voi endpoints over the driver-center host's agent.</summary>
    public static WebApplicationBuilder AddDriverCenter(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<DriverCenterOptions>(builder.Configuration, DriverCenterOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<DriverCenterOptions>, DriverCenterOptionsValidation>();
        builder.Services.AddSingleton<DriverCenterHost>();
        builder.Services.AddSingleton<StagedUploads>();
        builder.Services.AddSingleton<DriverCenterStore>();
        builder.Services.AddSingleton<SystemDriverStore>();
        builder.Services.AddSingleton<TemplateDriverStore>();
        builder.Services.AddSingleton<DriverDiskUseCases>();
        builder.Services.AddSingleton<SystemDriverUseCases>();
        builder.Services.AddSingleton<TemplateDriverUseCases>();
        builder.Services.AddSingleton<PrinterStore>();
        builder.Services.AddSingleton<PrinterUseCases>();
        builder.Services.AddSingleton<TerminalStore>();
        builder.Services.AddSingleton<TerminalManifests>();
        builder.Services.AddSingleton<DriverDiskVersionSignal>();
        // Secrets (a shared printer's password) are encrypted with keys kept in the inventory, so
        // every replica and every restart can read them.
        builder.Services.AddSingleton<PostgresXmlRepository>();
        builder.Services.AddDataProtection().SetApplicationName("platform-controller");
        builder.Services.AddOptions<KeyManagementOptions>().Configure<PostgresXmlRepository>((keys, repository) => keys.XmlRepository = repository);
        builder.Services.AddSingleton<ITaskHandler, SaveDriverDiskHandler>();
        builder.Services.AddSingleton<ITaskHandler, RestoreDriverDiskHandler>();
        return builder;
    }

    public static void MapDriverCenterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapSystemDriverEndpoints();
        app.MapDriverDiskEndpoints();
        app.MapTemplateEndpoints();
        app.MapPrinterEndpoints();
        app.MapTerminalEndpoints();
        app.MapTerminalConsoleEndpoints();
    }
}

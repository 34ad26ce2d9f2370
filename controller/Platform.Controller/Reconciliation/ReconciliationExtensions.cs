using Platform.Common.Hosting;
namespace Platform.Controller.Reconciliation;

internal static class ReconciliationExtensions
{
    public static WebApplicationBuilder AddReconciliation(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ReconciliationOptions>(builder.Configuration, ReconciliationOptions.Section);
        builder.Services.AddSingleton<ReconciliationStore>();
        builder.Services.AddSingleton<DriftStore>();
        builder.Services.AddSingleton<Reconciler>();
        builder.Services.AddSingleton<ReconciliationLoop>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ReconciliationLoop>());
        builder.Services.AddHostedService<HostEventWatcher>();
        return builder;
    }
}

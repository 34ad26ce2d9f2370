namespace Platform.Controller.Reconciliation;

internal static class ReconciliationExtensions
{
    public static WebApplicationBuilder AddReconciliation(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<ReconciliationOptions>(builder.Configuration.GetSection(ReconciliationOptions.Section));
        builder.Services.AddSingleton<ReconciliationStore>();
        builder.Services.AddSingleton<DriftStore>();
        builder.Services.AddSingleton<Reconciler>();
        builder.Services.AddHostedService<ReconciliationLoop>();
        return builder;
    }
}

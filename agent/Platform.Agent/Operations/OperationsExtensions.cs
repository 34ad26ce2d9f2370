using Platform.Common.Hosting;
namespace Platform.Agent.Operations;

internal static class OperationsExtensions
{
    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<OperationsOptions>(builder.Configuration, OperationsOptions.Section);
        builder.Services.AddSingleton<OperationJournal>();
        builder.Services.AddHealthChecks().AddCheck<OperationJournalHealthCheck>(OperationJournalHealthCheck.Name);
        return builder;
    }
}

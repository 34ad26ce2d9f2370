namespace Platform.Agent.Operations;

internal static class OperationsExtensions
{
    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OperationsOptions>()
            .Bind(builder.Configuration.GetSection(OperationsOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<OperationJournal>();
        builder.Services.AddHealthChecks().AddCheck<OperationJournalHealthCheck>(OperationJournalHealthCheck.Name);
        return builder;
    }
}

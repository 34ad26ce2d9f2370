namespace Platform.Agent.Transfer;

internal static class TransferExtensions
{
    public static WebApplicationBuilder AddFileTransfer(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TransferOptions>()
            .Bind(builder.Configuration.GetSection(TransferOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<TransferArea>();
        builder.Services.AddSingleton<FileTransferService>();
        return builder;
    }
}

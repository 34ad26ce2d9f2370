using Platform.Common.Hosting;
namespace Platform.Agent.Transfer;

internal static class TransferExtensions
{
    public static WebApplicationBuilder AddFileTransfer(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<TransferOptions>(builder.Configuration, TransferOptions.Section);
        builder.Services.AddSingleton<TransferArea>();
        builder.Services.AddSingleton<FileTransferService>();
        return builder;
    }
}

using Platform.Common.Hosting;
using Platform.Controller.Tasks;

namespace Platform.Controller.Networks;

internal static class NetworksExtensions
{
    public static WebApplicationBuilder AddNetworks(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<NetworkOptions>(builder.Configuration, NetworkOptions.Section);
        builder.Services.AddSingleton<NicStore>();
        builder.Services.AddSingleton<NicUseCases>();
        builder.Services.AddSingleton<ITaskHandler, NicAttachHandler>();
        builder.Services.AddSingleton<ITaskHandler, NicDetachHandler>();
        return builder;
    }
}

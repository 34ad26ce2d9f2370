using Platform.Controller.Tasks;

namespace Platform.Controller.Networks;

internal static class NetworksExtensions
{
    public static WebApplicationBuilder AddNetworks(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<NetworkOptions>(builder.Configuration.GetSection(NetworkOptions.Section));
        builder.Services.AddSingleton<NicStore>();
        builder.Services.AddSingleton<NicUseCases>();
        builder.Services.AddSingleton<ITaskHandler, NicAttachHandler>();
        builder.Services.AddSingleton<ITaskHandler, NicDetachHandler>();
        return builder;
    }
}

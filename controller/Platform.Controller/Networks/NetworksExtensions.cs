namespace Platform.Controller.Networks;

internal static class NetworksExtensions
{
    public static WebApplicationBuilder AddNetworks(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<NetworkOptions>(builder.Configuration.GetSection(NetworkOptions.Section));
        return builder;
    }
}

using Platform.Common.Hosting;
using Microsoft.Extensions.Options;
using Platform.Controller.Agents;

namespace Platform.Controller.Hosts;

internal static class HostsExtensions
{
    public static WebApplicationBuilder AddHosts(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<HostsOptions>(builder.Configuration, HostsOptions.Section);
        builder.Services.AddValidatedOptions<AgentOptions>(builder.Configuration, AgentOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<AgentOptions>, AgentTlsValidation>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<HostStore>();
        builder.Services.AddSingleton<Scheduler>();
        builder.Services.AddSingleton<AgentClients>();
        builder.Services.AddSingleton<StorageAgents>();
        builder.Services.AddSingleton<HostRegistryService>();
        builder.Services.AddHostedService<HostLivenessMonitor>();
        return builder;
    }
}

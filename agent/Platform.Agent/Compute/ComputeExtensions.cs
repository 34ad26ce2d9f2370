using Platform.Common.Hosting;
using Platform.Agent.Host;

namespace Platform.Agent.Compute;

internal static class ComputeExtensions
{
    public static WebApplicationBuilder AddCompute(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ComputeOptions>(builder.Configuration, ComputeOptions.Section);
        builder.Services.AddHealthChecks().AddCheck<LibvirtSocketHealthCheck>(LibvirtSocketHealthCheck.Name);

        // Hosted: the event loop starts with the host, before the first connection opens; on
        // shutdown the container disposes CephAccess and then LibvirtHost (reverse order of
        // creation), and LibvirtHost closes the connection before it stops the loop.
        builder.Services.AddSingleton<LibvirtHost>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LibvirtHost>());
        // After LibvirtHost: the probe opens the connection once the event loop runs.
        builder.Services.AddSingleton<DomainTypeSelection>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DomainTypeSelection>());
        builder.Services.AddSingleton<CephAccess>();
        builder.Services.AddSingleton<HostInventory>();
        builder.Services.AddSingleton<DomainLocks>();
        builder.Services.AddSingleton<DhcpReservations>();
        builder.Services.AddSingleton<DomainGrpcService>();
        return builder;
    }
}

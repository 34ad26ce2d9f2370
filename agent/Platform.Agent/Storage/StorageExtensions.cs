using Platform.Common.Hosting;
using Platform.Agent.Storage.Commands;

namespace Platform.Agent.Storage;

internal static class StorageExtensions
{
    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<StorageOptions>(builder.Configuration, StorageOptions.Section);
        builder.Services.AddHealthChecks().AddCheck<CephMonitorHealthCheck>(CephMonitorHealthCheck.Name);
        // One Ceph connection per agent process, made on first use.
        builder.Services.AddSingleton<CephConnection>();
        builder.Services.AddSingleton<RbdRequestValidator>();
        builder.Services.AddSingleton<RbdCommands>();
        builder.Services.AddSingleton<RbdGrpcService>();
        return builder;
    }
}

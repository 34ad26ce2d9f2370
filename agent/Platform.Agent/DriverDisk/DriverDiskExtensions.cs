using Platform.Common.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Agent.Transfer;

namespace Platform.Agent.DriverDisk;

internal static class DriverDiskExtensions
{
    /// <summary>
    /// The driver disk engine (a singleton, configured by the "DriverDisk" section) and the
    /// hosted service that recovers it at start and unmounts it at stop. It publishes into the
    /// transfer area ("Transfer" section), which it registers too when nothing else has.
    /// </summary>
    public static WebApplicationBuilder AddDriverDisk(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<DriverDiskOptions>(builder.Configuration, DriverDiskOptions.Section);
        builder.Services.AddValidatedOptions<TransferOptions>(builder.Configuration, TransferOptions.Section);
        builder.Services.TryAddSingleton<TransferArea>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DriverDiskEngine>();
        builder.Services.AddHostedService<DriverDiskRecoveryService>();
        return builder;
    }
}

/// <summary>Runs the driver disk's crash recovery at start (in the background: the agent serves meanwhile), and unmounts it cleanly at stop.</summary>
internal sealed partial class DriverDiskRecoveryService(DriverDiskEngine engine, ILogger<DriverDiskRecoveryService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = RecoverAsync();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => engine.ShutdownAsync(cancellationToken);

    private async Task RecoverAsync()
    {
        try
        {
            await engine.RecoverAsync().ConfigureAwait(false);
            var state = await engine.GetStateAsync().ConfigureAwait(false);
            LogRecovered(logger, state.Status, state.Version, state.Mounted, state.Error ?? "");
        }
        catch (Exception e)
        {
            LogRecoveryFailed(logger, e);
        }
    }

    [LoggerMessage(EventId = 6031, Level = LogLevel.Information, Message = "voi_drive_img_manage: driver disk ready: {Status}, version {Version}, mounted {Mounted} {Error}")]
    private static partial void LogRecovered(ILogger logger, DriverDiskStatus status, long version, bool mounted, string error);

    [LoggerMessage(EventId = 6032, Level = LogLevel.Critical, Message = "voi_drive_img_manage: driver disk recovery failed; driver disk commands will fail")]
    private static partial void LogRecoveryFailed(ILogger logger, Exception error);
}

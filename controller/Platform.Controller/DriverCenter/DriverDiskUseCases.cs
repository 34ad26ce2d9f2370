using Platform.Contracts.Agent.V1;
using Platform.Controller.Api;
using Platform.Controller.Audit;
using Platform.Controller.Tasks;

namespace Platform.Controller.DriverCenter;

/// <summary>
/// The disk state the console shows (<c>/thor/voi/driver/mount</c>): <paramref name="MountStatus"/>
/// 1 normal, 2 merging, 3 error, 4 restoring; the save or restore running now, and how the last
/// one ended when it failed.
/// </summary>
internal sealed record MountView(int MountStatus, bool IsAutoUpdate, long Version, string? Error, string? TaskId, string? LastError);

/// <summary>Save, restore and the auto-update switch of the driver disk; its state as recorded and as the host reports it.</summary>
internal sealed partial class DriverDiskUseCases(DriverCenterHost host, DriverCenterStore store, TaskStore tasks, TaskRunner runner, ILogger<DriverDiskUseCases> logger)
{
    public const string SaveKind = "driver-center.save";
    public const string RestoreKind = "driver-center.restore";

    /// <summary>
    /// The state, or 驱动中心状态异常 when the inventory and the host disagree while nothing runs
    /// (the mount is gone, a save ended while the controller was away): restore is the way out.
    /// </summary>
    public async Task<ApiResult<MountView>> GetAsync(CancellationToken ct)
    {
        // In this order: a task ends only after its handler recorded the setting and the host
        // finished, so a task seen ended means the setting and the host's state read after it are
        // its final ones, not a save caught between the host's end and the inventory's record.
        var latest = await tasks.LatestForResourceAsync(DriverCenterStore.ResourceId, ct);
        var setting = await store.GetSettingAsync(ct);
        var ready = await host.ReadyAsync(ct);
        if (ready.Error is { } unavailable)
        {
            return unavailable;
        }
        var state = ready.Value.State;
        var running = latest is { IsFinished: false } ? latest : null;
        if (running is null && Disagreement(setting, state) is { } problem)
        {
            // A save or restore begun since the first read explains the difference: in flux, not abnormal.
            var now = await tasks.LatestForResourceAsync(DriverCenterStore.ResourceId, ct);
            if (now?.TaskId == latest?.TaskId)
            {
                LogAbnormal(problem);
                return DriverCenterErrors.Abnormal(problem);
            }
            latest = now;
            running = now is { IsFinished: false } ? now : null;
        }
        return new MountView(
            running is null ? (int)state.Status : setting.MountStatus,
            setting.IsAutoUpdate,
            (long)state.Version,
            state.Error.Length > 0 ? state.Error : null,
            running?.TaskId,
            latest?.State == TaskStates.Failed ? latest.Error : null);
    }

    /// <summary>Starts a save (merge of the edits into the base): answers at once with mount_status 2 and the task.</summary>
    public async Task<ApiResult<MountView>> SaveAsync(Caller caller, CancellationToken ct)
    {
        var ready = await host.ReadyAsync(ct);
        if (ready.Error is { } unavailable)
        {
            return unavailable;
        }
        var state = ready.Value.State;
        if (EditableProblem(state) is { } refused)
        {
            return refused;
        }
        var options = host.Options;
        var (taskId, refusal) = await store.BeginAsync(
            new NewTask(SaveKind, DriverCenterStore.ResourceId, [DriverCenterStore.ResourceId], new { }, new AuditEvent(AuditActions.DriverCenterSave, DriverCenterStore.ResourceId, caller)),
            MountStatus.Merging, refuseWhileDownloading: true, options.DownloadStaleAfter, runner.Owner, runner.Lease, ct);
        switch (refusal)
        {
            case BeginRefusal.Downloading:
                var downloading = await store.CountDownloadingAsync(options.DownloadStaleAfter, ct);
                LogSaveRefused(downloading);
                return DriverCenterErrors.SaveDuringDistribution($"{downloading} terminal(s) are downloading the driver disk");
            case BeginRefusal.Busy:
                return DriverCenterErrors.Busy("a save or restore of the driver disk is already running");
        }
        await runner.StartAsync(taskId!, ct);
        var setting = await store.GetSettingAsync(ct);
        return new MountView(MountStatus.Merging, setting.IsAutoUpdate, (long)state.Version, null, taskId, null);
    }

    /// <summary>Starts a restore from the backup folder (the way out of an error): answers at once with mount_status 4 and the task.</summary>
    public async Task<ApiResult<MountView>> RestoreAsync(Caller caller, CancellationToken ct)
    {
        var agent = await host.ReadyAsync(ct);
        if (agent.Error is { } unavailable)
        {
            return unavailable;
        }
        var state = agent.Value.State;
        if (state.Status is DriverDiskStatus.Merging or DriverDiskStatus.Restoring)
        {
            return DriverCenterErrors.Busy($"the driver disk is {(state.Status == DriverDiskStatus.Merging ? "being saved" : "being restored")}");
        }
        var (taskId, refusal) = await store.BeginAsync(
            new NewTask(RestoreKind, DriverCenterStore.ResourceId, [DriverCenterStore.ResourceId], new { }, new AuditEvent(AuditActions.DriverCenterRestore, DriverCenterStore.ResourceId, caller)),
            MountStatus.Restoring, refuseWhileDownloading: false, host.Options.DownloadStaleAfter, runner.Owner, runner.Lease, ct);
        if (refusal == BeginRefusal.Busy)
        {
            return DriverCenterErrors.Busy("a save or restore of the driver disk is already running");
        }
        await runner.StartAsync(taskId!, ct);
        var setting = await store.GetSettingAsync(ct);
        return new MountView(MountStatus.Restoring, setting.IsAutoUpdate, (long)state.Version, null, taskId, null);
    }

    public async Task<ApiResult<MountView>> SetAutoUpdateAsync(bool isAutoUpdate, Caller caller, CancellationToken ct)
    {
        await store.SetAutoUpdateAsync(isAutoUpdate, new AuditEvent(AuditActions.DriverCenterAutoUpdate, DriverCenterStore.ResourceId, caller, new { is_auto_update = isAutoUpdate }), ct);
        LogAutoUpdate(isAutoUpdate);
        return await GetAsync(ct);
    }

    /// <summary>Why the disk cannot take edits or a save now, in the seed's words; null when it can.</summary>
    public static ApiError? EditableProblem(DriverDiskState state) => state.Status switch
    {
        DriverDiskStatus.Merging => DriverCenterErrors.Busy("the driver disk is being saved"),
        DriverDiskStatus.Restoring => DriverCenterErrors.Busy("the driver disk is being restored"),
        DriverDiskStatus.Error => DriverCenterErrors.Abnormal($"the driver disk is in error ({state.Error}); restore it first"),
        _ when !state.Mounted => DriverCenterErrors.Abnormal("the driver disk is not mounted on its host"),
        _ when state.Running.Length > 0 => DriverCenterErrors.Busy($"the host is running {state.Running}"),
        _ => null,
    };

    private static string? Disagreement(DriverCenterSetting setting, DriverDiskState state)
    {
        var reported = (int)state.Status;
        if (state.Status == DriverDiskStatus.Normal && !state.Mounted)
        {
            return "the driver disk is not mounted on its host";
        }
        return reported != setting.MountStatus
            ? $"the inventory records mount_status {setting.MountStatus}, the host reports {reported}{(state.Error.Length > 0 ? $" ({state.Error})" : "")}; restore the driver disk"
            : null;
    }

    [LoggerMessage(EventId = 1911, Level = LogLevel.Warning, Message = "voi_drive_img_manage: driver center abnormal: {Problem}")]
    private partial void LogAbnormal(string problem);

    [LoggerMessage(EventId = 1912, Level = LogLevel.Information, Message = "voi_drive_heterogeneous_manage: save refused, {Terminals} terminal(s) downloading")]
    private partial void LogSaveRefused(long terminals);

    [LoggerMessage(EventId = 1913, Level = LogLevel.Information, Message = "voi_drive_heterogeneous_manage: auto update {Enabled}")]
    private partial void LogAutoUpdate(bool enabled);
}

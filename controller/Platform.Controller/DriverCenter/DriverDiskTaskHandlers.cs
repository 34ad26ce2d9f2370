using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Tasks;

namespace Platform.Controller.DriverCenter;

/// <summary>
/// Save and restore as tasks: the agent's command carries the task's operation id (a resumed task
/// gets the first outcome from the agent's journal), then the manifest is recorded and the
/// setting returns to normal. A failure leaves mount_status as the host reports the disk.
/// </summary>
internal abstract partial class DriverDiskTaskHandler(DriverCenterHost host, DriverCenterStore store, DriverDiskVersionSignal signal, ILogger logger) : ITaskHandler
{
    public abstract string Kind { get; }

    protected abstract string Verb { get; }

    protected abstract Task<DriverDiskState> RunOnAgentAsync(AgentClient agent, string operationId, TimeSpan timeout, CancellationToken ct);

    public async Task RunAsync(TaskContext context, CancellationToken ct)
    {
        var agent = await host.AgentAsync(ct);
        if (agent.Error is { } unavailable)
        {
            throw new TaskFailedException(TaskFailureKind.AgentUnavailable, unavailable.Message);
        }
        await context.ReportAsync(Verb, 10, ct);
        DriverDiskState state;
        try
        {
            state = await RunOnAgentAsync(agent.Value!, context.OperationId(Verb), host.Options.OperationTimeout, ct);
        }
        catch (AgentException e)
        {
            throw new TaskFailedException(DriverCenterErrors.TaskFailureOf(e));
        }
        await context.ReportAsync("record", 90, ct);
        await store.RecordManifestAsync(await agent.Value!.GetDriverDiskManifestAsync(ct), ct);
        await store.SetMountStatusAsync(MountStatus.Normal, ct);
        signal.Notify();
        LogDone(Verb, (long)state.Version);
    }

    public async Task FailAsync(TaskContext context, TaskFailure failure, CancellationToken ct)
    {
        // The disk is as the host says: a refusal before any change leaves it normal, a failed step in error.
        var status = MountStatus.Error;
        try
        {
            if (await host.AgentAsync(ct) is { Value: { } agent })
            {
                var state = await agent.GetDriverDiskStateAsync(ct);
                status = state.Status == DriverDiskStatus.Normal && state.Mounted ? MountStatus.Normal : MountStatus.Error;
            }
        }
        catch (AgentException e)
        {
            LogStateUnknown(e.Message);
        }
        await store.SetMountStatusAsync(status, CancellationToken.None);
        LogFailed(Verb, failure.Message, status);
    }

    [LoggerMessage(EventId = 1921, Level = LogLevel.Information, Message = "voi_drive_img_manage: {Verb} done, driver disk at version {Version}")]
    private partial void LogDone(string verb, long version);

    [LoggerMessage(EventId = 1922, Level = LogLevel.Warning, Message = "voi_drive_img_manage: {Verb} failed: {Reason}; mount_status is now {Status}")]
    private partial void LogFailed(string verb, string reason, int status);

    [LoggerMessage(EventId = 1923, Level = LogLevel.Warning, Message = "voi_drive_img_manage: the driver disk's state after a failure is unknown ({Reason}); recorded as error")]
    private partial void LogStateUnknown(string reason);
}

internal sealed class SaveDriverDiskHandler(DriverCenterHost host, DriverCenterStore store, DriverDiskVersionSignal signal, ILogger<SaveDriverDiskHandler> logger)
    : DriverDiskTaskHandler(host, store, signal, logger)
{
    public override string Kind => DriverDiskUseCases.SaveKind;

    protected override string Verb => "save";

    protected override Task<DriverDiskState> RunOnAgentAsync(AgentClient agent, string operationId, TimeSpan timeout, CancellationToken ct) =>
        agent.SaveDriverDiskAsync(new SaveDriverDiskRequest { OperationId = operationId }, timeout, ct);
}

internal sealed class RestoreDriverDiskHandler(DriverCenterHost host, DriverCenterStore store, DriverDiskVersionSignal signal, ILogger<RestoreDriverDiskHandler> logger)
    : DriverDiskTaskHandler(host, store, signal, logger)
{
    public override string Kind => DriverDiskUseCases.RestoreKind;

    protected override string Verb => "restore";

    protected override Task<DriverDiskState> RunOnAgentAsync(AgentClient agent, string operationId, TimeSpan timeout, CancellationToken ct) =>
        agent.RestoreDriverDiskAsync(new RestoreDriverDiskRequest { OperationId = operationId }, timeout, ct);
}

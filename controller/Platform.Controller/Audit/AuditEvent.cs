namespace Platform.Controller.Audit;

/// <summary>
/// What a mutating request did to which resource, and who asked; <paramref name="Detail"/> is
/// serialised into audit_events.detail (write its members in snake_case).
/// </summary>
internal sealed record AuditEvent(string Action, string ResourceId, Caller Caller, object? Detail = null);

internal static class AuditOutcomes
{
    /// <summary>The request was accepted and its task created; a second row tells how the task ended.</summary>
    public const string Accepted = "accepted";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

/// <summary>The audited operations, named after their REST paths.</summary>
internal static class AuditActions
{
    public const string ImageCreate = "images.create";
    public const string ImageRegister = "images.register";
    public const string ImageUpdate = "images.update";
    public const string ImageDelete = "images.delete";
    public const string VolumeCreate = "volume.create";
    public const string VolumeMount = "volume.mount";
    public const string VolumeUnmount = "volume.unmount";
    public const string VolumeDelete = "volume.delete";
    public const string NetworkCreate = "network.create";
    public const string NetworkAttach = "network.attach";
    public const string NetworkDetach = "network.detach";
    public const string NetworkDelete = "network.delete";
    public const string InstanceCreate = "instance.create";
    public const string InstanceTurnOn = "instance.turnon";
    public const string InstanceTurnOff = "instance.turnoff";
    public const string InstanceDestroy = "instance.destroy";
    public const string DriverUpload = "voi.driver.upload";
    public const string DriverUpdate = "voi.driver.update";
    public const string DriverDelete = "voi.driver.delete";
    public const string DriverCenterSave = "voi.driver.mount.save";
    public const string DriverCenterRestore = "voi.driver.mount.restore";
    public const string DriverCenterAutoUpdate = "voi.driver.mount.auto_update";
    public const string TemplateDrivers = "voi.image_relate_drive";
    public const string PrinterUpload = "voi.printer.upload";
    public const string PrinterUpdate = "voi.printer.update";
    public const string PrinterConfig = "voi.printer.config";
    public const string PrinterDuplicate = "voi.printer.duplicate";
    public const string PrinterDelete = "voi.printer.delete";
    public const string TerminalRegister = "voi.terminal.register";
    public const string TerminalDelete = "voi.terminal.delete";
    public const string UserCreate = "users.create";
    public const string UserUpdate = "users.update";
    public const string UserDelete = "users.delete";
    public const string UserPassword = "auth.password";
    public const string TokenCreate = "auth.tokens.create";
    public const string TokenRevoke = "auth.tokens.revoke";

    public static readonly IReadOnlyList<string> All =
    [
        ImageCreate, ImageRegister, ImageUpdate, ImageDelete,
        VolumeCreate, VolumeMount, VolumeUnmount, VolumeDelete,
        NetworkCreate, NetworkAttach, NetworkDetach, NetworkDelete,
        InstanceCreate, InstanceTurnOn, InstanceTurnOff, InstanceDestroy,
        DriverUpload, DriverUpdate, DriverDelete, DriverCenterSave, DriverCenterRestore, DriverCenterAutoUpdate, TemplateDrivers,
        PrinterUpload, PrinterUpdate, PrinterConfig, PrinterDuplicate, PrinterDelete, TerminalRegister, TerminalDelete,
        UserCreate, UserUpdate, UserDelete, UserPassword, TokenCreate, TokenRevoke,
    ];
}

using Platform.Rpc.Identity;

namespace Platform.Agent.Grpc;

/// <summary>What an operator's certificate may do with one agent RPC; the controller may do everything.</summary>
internal enum OperatorAccess
{
    /// <summary>Changes the host (domains, volumes, files, the driver disk): the controller only.</summary>
    ControllerOnly,

    /// <summary>Reads only: an operator may call it too (platformctl agent call/list/health).</summary>
    ReadOnly,
}

/// <summary>
/// The one table of who may call what on the agent, per RPC. Every RPC the agent serves has a
/// row (a unit test holds every service's methods against it); a call to anything without one
/// is the controller's only.
/// </summary>
internal static class AgentCallAccess
{
    public static readonly IReadOnlyDictionary<string, OperatorAccess> Methods = new Dictionary<string, OperatorAccess>(StringComparer.Ordinal)
    {
        ["/platform.agent.v1.HostService/GetAgentInfo"] = OperatorAccess.ReadOnly,
        ["/platform.agent.v1.HostService/GetHostInfo"] = OperatorAccess.ReadOnly,
        ["/platform.agent.v1.HostService/Ping"] = OperatorAccess.ReadOnly,

        ["/platform.agent.v1.FileService/UploadFile"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.FileService/DownloadFile"] = OperatorAccess.ReadOnly,
        ["/platform.agent.v1.FileService/DeleteFile"] = OperatorAccess.ControllerOnly,

        ["/platform.agent.v1.RbdService/CreateImage"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.RbdService/ListImages"] = OperatorAccess.ReadOnly,
        ["/platform.agent.v1.RbdService/GetImage"] = OperatorAccess.ReadOnly,
        ["/platform.agent.v1.RbdService/RemoveImage"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.RbdService/ResizeImage"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.RbdService/CloneImage"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.RbdService/FlattenImage"] = OperatorAccess.ControllerOnly,

        ["/platform.agent.v1.DomainService/DefineAndStartDomain"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DomainService/StartDomain"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DomainService/ShutdownDomain"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DomainService/PowerOffDomain"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DomainService/UndefineDomain"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DomainService/GetDomain"] = OperatorAccess.ReadOnly,
        ["/platform.agent.v1.DomainService/ListDomains"] = OperatorAccess.ReadOnly,
        ["/platform.agent.v1.DomainService/AttachDisk"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DomainService/DetachDisk"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DomainService/AttachNic"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DomainService/DetachNic"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DomainService/WatchDomainEvents"] = OperatorAccess.ReadOnly,

        ["/platform.agent.v1.DriverDiskService/GetDriverDiskState"] = OperatorAccess.ReadOnly,
        ["/platform.agent.v1.DriverDiskService/InitializeDriverDisk"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DriverDiskService/ImportDriverArchive"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DriverDiskService/RemoveDriverFiles"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DriverDiskService/SaveDriverDisk"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DriverDiskService/RestoreDriverDisk"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DriverDiskService/GetDriverDiskManifest"] = OperatorAccess.ReadOnly,
        ["/platform.agent.v1.DriverDiskService/CopyDriver"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DriverDiskService/WriteDriverFile"] = OperatorAccess.ControllerOnly,
        ["/platform.agent.v1.DriverDiskService/ListDrivers"] = OperatorAccess.ReadOnly,

        ["/grpc.health.v1.Health/Check"] = OperatorAccess.ReadOnly,
        ["/grpc.health.v1.Health/Watch"] = OperatorAccess.ReadOnly,
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = OperatorAccess.ReadOnly,
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = OperatorAccess.ReadOnly,
    };
}

/// <summary>
/// The agent's callers: the controller may make any call; an operator only those
/// <see cref="AgentCallAccess"/> marks read-only; an agent (another host) none.
/// </summary>
internal sealed class AgentCallerPolicy : ICallerPolicy
{
    public string? Refusal(string method, PlatformIdentity caller, object? request) => caller.Role switch
    {
        PlatformRole.Controller => null,
        PlatformRole.Operator when AgentCallAccess.Methods.GetValueOrDefault(method) == OperatorAccess.ReadOnly => null,
        PlatformRole.Operator => $"{caller} is an operator; this call changes the host and is the controller's only",
        _ => $"{caller} is not the controller; agents take commands from the controller (and read-only calls from operators)",
    };
}

using Google.Rpc;
using Grpc.Core;
using Platform.Rpc.Errors;
using Contract = Platform.Contracts.Agent.V1;

namespace Platform.Agent.DriverDisk;

/// <summary>The one place where the engine's values become the contract's messages and status codes.</summary>
internal static class DriverDiskStatusMapping
{
    public static readonly string ErrorDomain = Contract.DriverDiskService.Descriptor.FullName;

    /// <summary>Each kind with its reason (the proto's DriverDiskErrorReason) and status code.</summary>
    public static (Contract.DriverDiskErrorReason Reason, StatusCode Code) Of(DriverDiskErrorKind kind) => kind switch
    {
        DriverDiskErrorKind.InvalidArgument => (Contract.DriverDiskErrorReason.InvalidParameter, StatusCode.InvalidArgument),
        DriverDiskErrorKind.InvalidArchive => (Contract.DriverDiskErrorReason.InvalidArchive, StatusCode.InvalidArgument),
        DriverDiskErrorKind.UnacceptableType => (Contract.DriverDiskErrorReason.UnacceptableType, StatusCode.InvalidArgument),
        DriverDiskErrorKind.NotFound => (Contract.DriverDiskErrorReason.DriverNotFound, StatusCode.NotFound),
        DriverDiskErrorKind.AlreadyExists => (Contract.DriverDiskErrorReason.DriverExists, StatusCode.AlreadyExists),
        DriverDiskErrorKind.AlreadyInitialized => (Contract.DriverDiskErrorReason.AlreadyInitialized, StatusCode.AlreadyExists),
        DriverDiskErrorKind.NotInitialized => (Contract.DriverDiskErrorReason.NotInitialized, StatusCode.FailedPrecondition),
        DriverDiskErrorKind.WrongState => (Contract.DriverDiskErrorReason.WrongState, StatusCode.FailedPrecondition),
        DriverDiskErrorKind.Busy => (Contract.DriverDiskErrorReason.Busy, StatusCode.Aborted),
        DriverDiskErrorKind.NoSpace => (Contract.DriverDiskErrorReason.NoSpace, StatusCode.ResourceExhausted),
        DriverDiskErrorKind.Failed => (Contract.DriverDiskErrorReason.StepFailed, StatusCode.Internal),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a kind without a status code"),
    };

    public static RpcException ToRpcException(DriverDiskError error)
    {
        var (reason, code) = Of(error.Kind);
        var info = new ErrorInfo { Reason = reason.ToString(), Domain = ErrorDomain };
        if (error.Details.Count == 0)
        {
            return RichErrors.Error(code, error.Message, info);
        }
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(error.Details.Select(d => RichErrors.Violation(d.Field, d.Reason)));
        return RichErrors.Error(code, error.Message, info, badRequest);
    }

    public static Contract.DriverDiskState ToContract(DriverDiskState state) => new()
    {
        Status = (Contract.DriverDiskStatus)state.Status,
        Error = state.Error ?? "",
        Version = (ulong)state.Version,
        Mounted = state.Mounted,
        FreeBytes = (ulong)Math.Max(0, state.FreeBytes),
        DiskFreeBytes = (ulong)Math.Max(0, state.DiskFreeBytes),
        HostFreeBytes = (ulong)Math.Max(0, state.HostFreeBytes),
        Running = state.Running ?? "",
    };

    public static Contract.DriverDiskManifest ToContract(DriverDiskManifest manifest)
    {
        var contract = new Contract.DriverDiskManifest { Version = (ulong)manifest.Version, Base = ToContract(manifest.Base) };
        contract.Deltas.AddRange(manifest.Deltas.Select(ToContract));
        return contract;
    }

    public static Contract.DriverEntry ToContract(DriverEntry entry) => new()
    {
        Folder = (Contract.DriverFolder)entry.Folder,
        Name = entry.Name,
        Files = (ulong)Math.Max(0, entry.Files),
        SizeBytes = (ulong)Math.Max(0, entry.Bytes),
        ArchiveType = entry.ArchiveType,
        Sha256 = entry.UploadSha256,
        ImportedAt = entry.ImportedAt.ToUnixTimeSeconds(),
    };

    private static Contract.DriverDiskFile ToContract(DriverDiskFile file) => new()
    {
        Name = file.Name,
        SizeBytes = (ulong)file.SizeBytes,
        Md5 = file.Md5,
        Sha256 = file.Sha256,
        FromVersion = (ulong)file.FromVersion,
        ToVersion = (ulong)file.ToVersion,
        ParentMd5 = file.ParentMd5,
        MergedMd5 = file.MergedMd5,
        CreatedAt = file.CreatedAt.ToUnixTimeSeconds(),
    };
}

using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Platform.Agent.Operations;
using Platform.Agent.Storage.Commands;
using Platform.Rpc.Errors;
using Contract = Platform.Contracts.Agent.V1;

namespace Platform.Agent.DriverDisk;

/// <summary>
/// DriverDiskService over the engine: requests are checked (every problem at once), mutating
/// commands run through the operation journal (a repeated operation id gets the first outcome),
/// and the engine's failures become status codes in <see cref="DriverDiskStatusMapping"/>.
/// Save, restore and initialize are not abandoned when their caller goes away: they run to
/// their end (the caller reads the outcome from the state or by repeating the operation id).
/// </summary>
internal sealed class DriverDiskGrpcService(DriverDiskEngine engine, OperationJournal journal) : Contract.DriverDiskService.DriverDiskServiceBase
{
    public override async Task<Contract.DriverDiskState> GetDriverDiskState(Contract.GetDriverDiskStateRequest request, ServerCallContext context) =>
        DriverDiskStatusMapping.ToContract(await engine.GetStateAsync(context.CancellationToken));

    public override Task<Contract.DriverDiskState> InitializeDriverDisk(Contract.InitializeDriverDiskRequest request, ServerCallContext context)
    {
        Check(request.OperationId);
        return MutateAsync(request.OperationId, request, context, async _ =>
            DriverDiskStatusMapping.ToContract(Unwrap(await engine.InitializeAsync((long)Math.Min(request.SizeBytes, long.MaxValue), CancellationToken.None))));
    }

    public override Task<Contract.ImportDriverArchiveResponse> ImportDriverArchive(Contract.ImportDriverArchiveRequest request, ServerCallContext context)
    {
        Check(request.OperationId, request.Folder);
        return MutateAsync(request.OperationId, request, context, async ct =>
        {
            var import = Unwrap(await engine.ImportAsync(request.UploadName, (DriverFolder)request.Folder, request.TargetName, ct));
            return new Contract.ImportDriverArchiveResponse
            {
                Files = (ulong)import.Files,
                SizeBytes = (ulong)import.Bytes,
                ArchiveType = import.ArchiveType,
                Repeated = import.Repeated,
            };
        });
    }

    public override Task<Contract.RemoveDriverFilesResponse> RemoveDriverFiles(Contract.RemoveDriverFilesRequest request, ServerCallContext context)
    {
        Check(request.OperationId, request.Folder);
        return MutateAsync(request.OperationId, request, context, async ct =>
        {
            var removal = Unwrap(await engine.RemoveAsync((DriverFolder)request.Folder, [.. request.TargetNames], ct));
            return new Contract.RemoveDriverFilesResponse { Removed = (uint)removal.Removed, Missing = { removal.Missing } };
        });
    }

    public override Task<Contract.DriverDiskState> SaveDriverDisk(Contract.SaveDriverDiskRequest request, ServerCallContext context)
    {
        Check(request.OperationId);
        return MutateAsync(request.OperationId, request, context, async _ =>
            DriverDiskStatusMapping.ToContract(Unwrap(await engine.SaveAsync(cancellationToken: CancellationToken.None))));
    }

    public override Task<Contract.DriverDiskState> RestoreDriverDisk(Contract.RestoreDriverDiskRequest request, ServerCallContext context)
    {
        Check(request.OperationId);
        return MutateAsync(request.OperationId, request, context, async _ =>
            DriverDiskStatusMapping.ToContract(Unwrap(await engine.RestoreAsync(cancellationToken: CancellationToken.None))));
    }

    public override async Task<Contract.DriverDiskManifest> GetDriverDiskManifest(Contract.GetDriverDiskManifestRequest request, ServerCallContext context) =>
        DriverDiskStatusMapping.ToContract(Unwrap(await engine.GetManifestAsync(context.CancellationToken)));

    public override Task<Contract.CopyDriverResponse> CopyDriver(Contract.CopyDriverRequest request, ServerCallContext context)
    {
        Check(request.OperationId, request.Folder);
        return MutateAsync(request.OperationId, request, context, async ct =>
        {
            var copy = Unwrap(await engine.CopyAsync((DriverFolder)request.Folder, request.SourceName, request.TargetName, ct));
            return new Contract.CopyDriverResponse { Files = (ulong)copy.Files, SizeBytes = (ulong)copy.Bytes };
        });
    }

    public override Task<Contract.WriteDriverFileResponse> WriteDriverFile(Contract.WriteDriverFileRequest request, ServerCallContext context)
    {
        Check(request.OperationId, request.Folder);
        return MutateAsync(request.OperationId, request, context, async ct =>
        {
            var written = Unwrap(await engine.WriteFileAsync((DriverFolder)request.Folder, request.TargetName, request.FileName, request.Content.Memory, ct));
            return new Contract.WriteDriverFileResponse { SizeBytes = (ulong)written.Bytes, Sha256 = written.Sha256 };
        });
    }

    public override async Task<Contract.ListDriversResponse> ListDrivers(Contract.ListDriversRequest request, ServerCallContext context)
    {
        // UNSPECIFIED lists every folder; any other value must be a folder.
        if (request.Folder != Contract.DriverFolder.Unspecified)
        {
            Check(operationId: null, request.Folder);
        }
        var folder = request.Folder == Contract.DriverFolder.Unspecified ? (DriverFolder?)null : (DriverFolder)request.Folder;
        var drivers = Unwrap(await engine.ListDriversAsync(folder, context.CancellationToken));
        return new Contract.ListDriversResponse { Drivers = { drivers.Select(DriverDiskStatusMapping.ToContract) } };
    }

    private static T Unwrap<T>(DriverDiskResult<T> result)
        where T : class =>
        result.Error is { } error ? throw DriverDiskStatusMapping.ToRpcException(error) : result.Unwrap();

    /// <summary>Every problem of the operation id (when the call has one) and the folder at once.</summary>
    private static void Check(string? operationId, Contract.DriverFolder? folder = null)
    {
        var violations = new List<BadRequest.Types.FieldViolation>();
        if (operationId is not null)
        {
            RbdRequestValidator.OperationId(operationId, violations);
        }
        if (folder is { } f && !Enum.IsDefined((DriverFolder)f))
        {
            violations.Add(RichErrors.Violation("folder", $"must be one of {string.Join(", ", Enum.GetValues<DriverFolder>().Select(v => $"{(Contract.DriverFolder)v} ({(int)v})"))}"));
        }
        if (violations.Count > 0)
        {
            throw RichErrors.InvalidArgument(violations);
        }
    }

    private Task<TResponse> MutateAsync<TRequest, TResponse>(string operationId, TRequest request, ServerCallContext context, Func<CancellationToken, Task<TResponse>> work)
        where TRequest : IMessage
        where TResponse : class, IMessage<TResponse>, new() =>
        journal.RunAsync(operationId, context.Method, request, context.CancellationToken, work);
}

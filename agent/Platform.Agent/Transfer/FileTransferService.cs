using System.Security.Cryptography;
using Google.Protobuf;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Platform.Rpc.Errors;

namespace Platform.Agent.Transfer;

/// <summary>Uploads (client stream) into and downloads (server stream) out of the transfer area.</summary>
internal sealed partial class FileTransferService(TransferArea area, ILogger<FileTransferService> logger) : FileService.FileServiceBase
{
    public override async Task<UploadFileResponse> UploadFile(IAsyncStreamReader<UploadFileRequest> requestStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellation) || requestStream.Current.PartCase != UploadFileRequest.PartOneofCase.Header)
        {
            throw RichErrors.InvalidArgument([RichErrors.Violation("header", "the first message of an upload must be its header")]);
        }
        var header = requestStream.Current.Header;
        Validate(header);
        if (header.HasSizeBytes && header.SizeBytes > (ulong)area.MaxUploadBytes)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"the announced {header.SizeBytes} bytes are more than the {area.MaxUploadBytes} an upload may have"));
        }
        // Without an announced size, the maximum is what stops an endless stream.
        var limit = header.HasSizeBytes ? (long)header.SizeBytes : area.MaxUploadBytes;

        var target = area.PathOf(header.Name);
        var partial = area.PartialPathOf(header.Name);
        try
        {
            long received = 0;
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            // Hashing is the costliest step on a small host: chunk N is hashed on another
            // thread while it is written and chunk N+1 arrives; chunks are hashed in order.
            var hashing = Task.CompletedTask;
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true))
            {
                while (await requestStream.MoveNext(cancellation))
                {
                    var part = requestStream.Current;
                    if (part.PartCase != UploadFileRequest.PartOneofCase.Data)
                    {
                        throw RichErrors.InvalidArgument([RichErrors.Violation("header", "only the first message of an upload may be a header")]);
                    }
                    received += part.Data.Length;
                    if (received > limit)
                    {
                        throw header.HasSizeBytes
                            ? new RpcException(new Status(StatusCode.DataLoss, $"received more than the announced {header.SizeBytes} bytes"))
                            : new RpcException(new Status(StatusCode.ResourceExhausted, $"received more than the {area.MaxUploadBytes} bytes an upload may have"));
                    }
                    await hashing;
                    var chunk = part.Data;
                    hashing = Task.Run(() => md5.AppendData(chunk.Span), cancellation);
                    await file.WriteAsync(chunk.Memory, cancellation);
                }
                await hashing;
                await file.FlushAsync(cancellation);
            }
            if (header.HasSizeBytes && received != (long)header.SizeBytes)
            {
                throw new RpcException(new Status(StatusCode.DataLoss, $"received {received} of the announced {header.SizeBytes} bytes"));
            }
            var digest = Convert.ToHexStringLower(md5.GetHashAndReset());
            if (header.Md5.Length > 0 && !string.Equals(header.Md5, digest, StringComparison.OrdinalIgnoreCase))
            {
                throw new RpcException(new Status(StatusCode.DataLoss, $"md5 of the received bytes is {digest}, not the announced {header.Md5}"));
            }
            PublishOnce(partial, target, digest);
            LogUploaded(logger, header.Name, received, header.OperationId);
            return new UploadFileResponse { Name = header.Name, SizeBytes = (ulong)received, Md5 = digest };
        }
        finally
        {
            // A failed or abandoned upload leaves nothing behind.
            File.Delete(partial);
        }
    }

    public override async Task DownloadFile(DownloadFileRequest request, IServerStreamWriter<FileChunk> responseStream, ServerCallContext context)
    {
        if (TransferArea.NameProblem(request.Name) is { } problem)
        {
            throw RichErrors.InvalidArgument([RichErrors.Violation("name", problem)]);
        }
        var path = area.PathOf(request.Name);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, useAsync: true);
        }
        catch (FileNotFoundException)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"no file '{request.Name}'"));
        }
        await using (file)
        {
            if (request.Offset > (ulong)file.Length)
            {
                throw new RpcException(new Status(StatusCode.OutOfRange, $"offset {request.Offset} is past the end of '{request.Name}' ({file.Length} bytes)"));
            }
            file.Position = (long)request.Offset;
            var buffer = new byte[area.ChunkSize];
            int read;
            while ((read = await file.ReadAsync(buffer, context.CancellationToken)) > 0)
            {
                await responseStream.WriteAsync(new FileChunk
                {
                    Offset = (ulong)(file.Position - read),
                    Data = ByteString.CopyFrom(buffer, 0, read),
                }, context.CancellationToken);
            }
        }
    }

    /// <summary>
    /// Deletes an upload (the controller deletes each once imported). The driver disk's published
    /// names are refused: the engine replaces and deletes those itself, and terminals download them.
    /// </summary>
    public override Task<DeleteFileResponse> DeleteFile(DeleteFileRequest request, ServerCallContext context)
    {
        if (NameProblem(request.Name, "name") is { } violation)
        {
            throw RichErrors.InvalidArgument([violation]);
        }
        var path = area.PathOf(request.Name);
        var existed = File.Exists(path);
        File.Delete(path);
        LogDeleted(logger, request.Name, existed);
        return Task.FromResult(new DeleteFileResponse { Existed = existed });
    }

    /// <summary>Every problem of an upload header at once, as INVALID_ARGUMENT with the field violations.</summary>
    private static void Validate(UploadFileHeader header)
    {
        var violations = new List<Google.Rpc.BadRequest.Types.FieldViolation>();
        if (string.IsNullOrWhiteSpace(header.OperationId))
        {
            violations.Add(RichErrors.Violation("header.operation_id", "is required"));
        }
        if (NameProblem(header.Name, "header.name") is { } nameViolation)
        {
            violations.Add(nameViolation);
        }
        if (header.Md5.Length > 0 && (header.Md5.Length != 32 || !header.Md5.All(Uri.IsHexDigit)))
        {
            violations.Add(RichErrors.Violation("header.md5", "must be 32 hex digits"));
        }
        if (violations.Count > 0)
        {
            throw RichErrors.InvalidArgument(violations);
        }
    }

    /// <summary>Why a client may not upload or delete <paramref name="name"/>, as a violation of <paramref name="field"/>; null when it may.</summary>
    private static Google.Rpc.BadRequest.Types.FieldViolation? NameProblem(string name, string field)
    {
        if (TransferArea.NameProblem(name) is { } problem)
        {
            return RichErrors.Violation(field, problem);
        }
        // The driver disk publishes (and replaces, and deletes) its files under this prefix.
        return name.StartsWith(DriverDisk.DriverDiskEngine.PublishPrefix, StringComparison.Ordinal)
            ? RichErrors.Violation(field, $"must not start with '{DriverDisk.DriverDiskEngine.PublishPrefix}': those names belong to the driver disk")
            : null;
    }

    /// <summary>
    /// Moves the verified upload into place. A file of that name with the same content is the
    /// same upload repeated (success); different content is ALREADY_EXISTS.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "MD5 is the integrity checksum the transfer contract names, not a security control.")]
    private static void PublishOnce(string partial, string target, string digest)
    {
        try
        {
            File.Move(partial, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            using var existing = File.OpenRead(target);
            if (Convert.ToHexStringLower(MD5.HashData(existing)) != digest)
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"'{Path.GetFileName(target)}' exists with different content"));
            }
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Received {Name} ({Bytes} bytes), operation {OperationId}")]
    private static partial void LogUploaded(ILogger logger, string name, long bytes, string operationId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Deleted {Name} (existed: {Existed})")]
    private static partial void LogDeleted(ILogger logger, string name, bool existed);
}

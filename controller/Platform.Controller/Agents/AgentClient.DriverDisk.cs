using System.Buffers;
using Google.Protobuf;
using Grpc.Core;
using Platform.Contracts.Agent.V1;

namespace Platform.Controller.Agents;

/// <summary>The driver disk and file transfer calls (the driver center's host).</summary>
internal sealed partial class AgentClient
{
    public Task<DriverDiskState> GetDriverDiskStateAsync(CancellationToken ct) =>
        QueryAsync(nameof(GetDriverDiskStateAsync), o => _driverDisk.GetDriverDiskStateAsync(new GetDriverDiskStateRequest(), o), ct);

    public Task<DriverDiskManifest> GetDriverDiskManifestAsync(CancellationToken ct) =>
        QueryAsync(nameof(GetDriverDiskManifestAsync), o => _driverDisk.GetDriverDiskManifestAsync(new GetDriverDiskManifestRequest(), o), ct);

    /// <param name="timeout">Building a base, importing, saving and restoring take as long as the data they move.</param>
    public Task<DriverDiskState> InitializeDriverDiskAsync(InitializeDriverDiskRequest request, TimeSpan timeout, CancellationToken ct) =>
        CallAsync(nameof(InitializeDriverDiskAsync), o => _driverDisk.InitializeDriverDiskAsync(request, o), timeout, ct);

    public Task<ImportDriverArchiveResponse> ImportDriverArchiveAsync(ImportDriverArchiveRequest request, TimeSpan timeout, CancellationToken ct) =>
        CallAsync(nameof(ImportDriverArchiveAsync), o => _driverDisk.ImportDriverArchiveAsync(request, o), timeout, ct);

    public Task<RemoveDriverFilesResponse> RemoveDriverFilesAsync(RemoveDriverFilesRequest request, CancellationToken ct) =>
        MutateAsync(nameof(RemoveDriverFilesAsync), o => _driverDisk.RemoveDriverFilesAsync(request, o), ct);

    public Task<DriverDiskState> SaveDriverDiskAsync(SaveDriverDiskRequest request, TimeSpan timeout, CancellationToken ct) =>
        CallAsync(nameof(SaveDriverDiskAsync), o => _driverDisk.SaveDriverDiskAsync(request, o), timeout, ct);

    public Task<DriverDiskState> RestoreDriverDiskAsync(RestoreDriverDiskRequest request, TimeSpan timeout, CancellationToken ct) =>
        CallAsync(nameof(RestoreDriverDiskAsync), o => _driverDisk.RestoreDriverDiskAsync(request, o), timeout, ct);

    public Task<CopyDriverResponse> CopyDriverAsync(CopyDriverRequest request, TimeSpan timeout, CancellationToken ct) =>
        CallAsync(nameof(CopyDriverAsync), o => _driverDisk.CopyDriverAsync(request, o), timeout, ct);

    public Task<WriteDriverFileResponse> WriteDriverFileAsync(WriteDriverFileRequest request, CancellationToken ct) =>
        MutateAsync(nameof(WriteDriverFileAsync), o => _driverDisk.WriteDriverFileAsync(request, o), ct);

    public Task<ListDriversResponse> ListDriversAsync(DriverFolder folder, CancellationToken ct) =>
        QueryAsync(nameof(ListDriversAsync), o => _driverDisk.ListDriversAsync(new ListDriversRequest { Folder = folder }, o), ct);

    public Task<DeleteFileResponse> DeleteFileAsync(string name, CancellationToken ct) =>
        MutateAsync(nameof(DeleteFileAsync), o => _files.DeleteFileAsync(new DeleteFileRequest { Name = name }, o), ct);

    /// <summary>
    /// Streams <paramref name="content"/> into the agent's transfer area as <paramref name="name"/>,
    /// in chunks of <paramref name="chunkBytes"/>, without holding more than one chunk. Null when
    /// the content turned out longer than <paramref name="maxBytes"/> (the upload is abandoned:
    /// the agent keeps nothing of it).
    /// </summary>
    public async Task<UploadFileResponse?> UploadFileAsync(
        string operationId, string name, Stream content, long maxBytes, int chunkBytes, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow().UtcDateTime + timeout;
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var buffer = ArrayPool<byte>.Shared.Rent(chunkBytes);
        try
        {
            using var call = _files.UploadFile(new CallOptions(deadline: deadline, cancellationToken: abandon.Token));
            await call.RequestStream.WriteAsync(new UploadFileRequest { Header = new UploadFileHeader { OperationId = operationId, Name = name } }, ct).ConfigureAwait(false);
            long sent = 0;
            int read;
            while ((read = await content.ReadAtLeastAsync(buffer.AsMemory(0, chunkBytes), chunkBytes, throwOnEndOfStream: false, ct).ConfigureAwait(false)) > 0)
            {
                sent += read;
                if (sent > maxBytes)
                {
                    await abandon.CancelAsync().ConfigureAwait(false);
                    return null;
                }
                await call.RequestStream.WriteAsync(new UploadFileRequest { Data = ByteString.CopyFrom(buffer, 0, read) }, ct).ConfigureAwait(false);
            }
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            return await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (!(e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested))
        {
            throw Failure(nameof(UploadFileAsync), e, deadline);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The bytes of <paramref name="name"/> from <paramref name="offset"/>, <paramref name="length"/>
    /// of them, written to <paramref name="destination"/> as they arrive (nothing is buffered).
    /// </summary>
    public async Task DownloadFileAsync(string name, long offset, long length, Stream destination, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow().UtcDateTime + timeout;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            using var call = _files.DownloadFile(new DownloadFileRequest { Name = name, Offset = (ulong)offset }, new CallOptions(deadline: deadline, cancellationToken: stop.Token));
            var remaining = length;
            while (remaining > 0 && await call.ResponseStream.MoveNext(stop.Token).ConfigureAwait(false))
            {
                var data = call.ResponseStream.Current.Data.Memory;
                var take = (int)Math.Min(remaining, data.Length);
                await destination.WriteAsync(data[..take], ct).ConfigureAwait(false);
                remaining -= take;
            }
            // The range ends before the file does: the rest is not wanted.
            await stop.CancelAsync().ConfigureAwait(false);
            if (remaining > 0)
            {
                throw new AgentException(endpoint, "DownloadFile", StatusCode.DataLoss, $"'{name}' ended {remaining} bytes before the range did");
            }
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            throw Failure(nameof(DownloadFileAsync), e, deadline);
        }
    }
}

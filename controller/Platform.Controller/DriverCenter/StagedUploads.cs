using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Api;

namespace Platform.Controller.DriverCenter;

/// <summary>A file streamed into the driver-center host's transfer area, not yet imported.</summary>
internal sealed record StagedUpload(AgentClient Agent, string UploadName, long SizeBytes, string Md5);

/// <summary>
/// Uploads in two steps: the file is streamed to the agent first (checked for size and emptiness),
/// then — once the whole request is read and its fields are valid — imported; a staged upload is
/// deleted whatever happens, so a refused request leaves no file on the host.
/// </summary>
internal sealed partial class StagedUploads(DriverCenterHost host, ILogger<StagedUploads> logger)
{
    /// <summary>The largest file an upload may carry (DriverCenter:MaxUploadBytes).</summary>
    public long MaxBytes => host.Options.MaxUploadBytes;

    /// <summary>Streams <paramref name="content"/> to the host; too large and empty are the seed's 上传驱动文件失败！.</summary>
    public async Task<ApiResult<StagedUpload>> StageAsync(string extension, Stream content, CancellationToken ct)
    {
        var editable = await host.EditableAsync(ct);
        if (editable.Error is { } notEditable)
        {
            return notEditable;
        }
        var agent = editable.Value!;
        var limits = host.Options;
        var uploadName = $"upload-{Guid.NewGuid():N}{extension}";
        try
        {
            var received = await agent.UploadFileAsync($"{uploadName}.upload", uploadName, content, limits.MaxUploadBytes, limits.UploadChunkBytes, limits.OperationTimeout, ct);
            if (received is null)
            {
                return new ApiError(ApiErrorCode.UploadTooLarge, DriverCenterErrors.UploadFailedText,
                    [new FieldError("file", $"is larger than {limits.MaxUploadBytes} bytes (DriverCenter:MaxUploadBytes)")]);
            }
            var staged = new StagedUpload(agent, uploadName, (long)received.SizeBytes, received.Md5);
            if (staged.SizeBytes == 0)
            {
                await DiscardAsync(staged);
                return DriverCenterErrors.UploadFailed("file", "is empty");
            }
            return staged;
        }
        catch (AgentException e)
        {
            LogFailed(uploadName, e.Message);
            return DriverCenterErrors.FromAgent(e, "file");
        }
    }

    /// <summary>Imports the staged file into <paramref name="folder"/>/<paramref name="target"/> and deletes the staged file.</summary>
    public async Task<ApiResult<ImportDriverArchiveResponse>> ImportAsync(StagedUpload staged, string operationId, DriverFolder folder, string target, CancellationToken ct)
    {
        try
        {
            return await staged.Agent.ImportDriverArchiveAsync(new ImportDriverArchiveRequest
            {
                OperationId = operationId,
                UploadName = staged.UploadName,
                Folder = folder,
                TargetName = target,
            }, host.Options.OperationTimeout, ct);
        }
        catch (AgentException e)
        {
            LogFailed(staged.UploadName, e.Message);
            return DriverCenterErrors.FromAgent(e, "file");
        }
        finally
        {
            await DiscardAsync(staged);
        }
    }

    /// <summary>An upload is only a means: it goes once imported or refused (a leftover harms nothing: names are unique).</summary>
    public async Task DiscardAsync(StagedUpload staged)
    {
        try
        {
            await staged.Agent.DeleteFileAsync(staged.UploadName, CancellationToken.None);
        }
        catch (AgentException e)
        {
            LogLeft(staged.UploadName, e.Message);
        }
    }

    [LoggerMessage(EventId = 1902, Level = LogLevel.Warning, Message = "voi_drive_file_manage: the upload {Name} was not imported: {Reason}")]
    private partial void LogFailed(string name, string reason);

    [LoggerMessage(EventId = 1903, Level = LogLevel.Warning, Message = "voi_drive_file_manage: the upload {Name} could not be deleted from the host: {Reason}")]
    private partial void LogLeft(string name, string reason);
}

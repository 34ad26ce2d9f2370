using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Api;
using Platform.Controller.Audit;
using Platform.Controller.Inventory;

namespace Platform.Controller.DriverCenter;

/// <summary>An upload as the endpoint read it: the file's name as sent, and the fields that came with it.</summary>
internal sealed record DriverUpload(string FileName, string Name, short OsType, string Describe);

/// <summary>System drivers: upload (streamed to the driver-center host and extracted there), edit, delete.</summary>
internal sealed partial class SystemDriverUseCases(
    DriverCenterHost host, SystemDriverStore drivers, ILogger<SystemDriverUseCases> logger)
{
    /// <summary>
    /// Uploads <paramref name="content"/> and imports it as a driver. The row holds the name from
    /// the start (status importing); every failure removes the row and the upload, so a refused
    /// upload leaves nothing: no row, no file on the host.
    /// </summary>
    public async Task<ApiResult<SystemDriverRecord>> UploadAsync(DriverUpload upload, Stream content, Caller caller, CancellationToken ct)
    {
        if (DriverTypes.OfFileName(upload.FileName) is not { } type)
        {
            return DriverCenterErrors.UnacceptableFileType("file", $"'{upload.FileName}' is neither .iso (universal driver) nor .tq (extracted driver)");
        }
        var ready = await host.ReadyAsync(ct);
        if (ready.Error is { } unavailable)
        {
            return unavailable;
        }
        var (agent, state) = ready.Value;
        if (DriverDiskUseCases.EditableProblem(state) is { } notEditable)
        {
            return notEditable;
        }
        var folderName = Path.GetFileNameWithoutExtension(upload.FileName);
        if (await drivers.TryReserveAsync(upload.Name, upload.OsType, type, upload.Describe, folderName, ct) is not { } id)
        {
            return DriverCenterErrors.DuplicateName("name", $"a system driver named '{upload.Name}' or stored as '{folderName}' exists");
        }
        var uploadName = $"driver-{id}-{Guid.NewGuid():N}{DriverTypes.Extension(type)}";
        var kept = false;
        try
        {
            LogUploading(upload.FileName, id, agent.Endpoint);
            var options = host.Options;
            var received = await agent.UploadFileAsync($"driver-upload.{id}", uploadName, content, options.MaxUploadBytes, options.UploadChunkBytes, options.OperationTimeout, ct);
            if (received is null)
            {
                return new ApiError(ApiErrorCode.UploadTooLarge, DriverCenterErrors.UploadFailedText, [new FieldError("file", $"is larger than {options.MaxUploadBytes} bytes (DriverCenter:MaxUploadBytes)")]);
            }
            if (received.SizeBytes == 0)
            {
                return DriverCenterErrors.UploadFailed("file", "is empty");
            }
            var import = await agent.ImportDriverArchiveAsync(new ImportDriverArchiveRequest
            {
                OperationId = $"driver-import.{id}",
                UploadName = uploadName,
                Folder = DriverTypes.Folder(type),
                TargetName = folderName,
            }, options.OperationTimeout, ct);
            var audit = new AuditEvent(AuditActions.DriverUpload, $"driver-{id}", caller,
                new { name = upload.Name, file_name = upload.FileName, type, os_type = upload.OsType, size = received.SizeBytes, md5 = received.Md5 });
            if (!await drivers.CompleteImportAsync(id, (long)import.SizeBytes, (int)import.Files, audit, ct))
            {
                // Deleted while it was being imported: the deletion wins, the files go too.
                await RemoveFromDiskAsync(agent, type, folderName, ct);
                return DriverCenterErrors.DriverNotFound("id", $"system driver {id} was deleted while it was being uploaded");
            }
            kept = true;
            LogImported(upload.FileName, id, (long)import.Files, (long)import.SizeBytes);
            return (await drivers.GetAsync(id, ct))!;
        }
        catch (AgentException e)
        {
            LogUploadFailed(upload.FileName, e.Message);
            return DriverCenterErrors.FromAgent(e, "file");
        }
        finally
        {
            if (!kept)
            {
                await drivers.ForgetReservationAsync(id, CancellationToken.None);
            }
            await DeleteUploadAsync(agent, uploadName);
        }
    }

    public async Task<ApiResult<SystemDriverRecord>> UpdateAsync(long id, string? name, short? osType, string? describe, Caller caller, CancellationToken ct)
    {
        try
        {
            return await drivers.UpdateAsync(id, name, osType, describe, new AuditEvent(AuditActions.DriverUpdate, $"driver-{id}", caller, new { name, os_type = osType, describe }), ct)
                is { } updated ? updated : DriverCenterErrors.DriverNotFound("id", $"system driver {id} does not exist");
        }
        catch (Npgsql.PostgresException e) when (e.IsUniqueViolation())
        {
            return DriverCenterErrors.DuplicateName("name", $"another system driver is named '{name}'");
        }
    }

    /// <summary>
    /// Deletes the drivers from the disk, then from the inventory; every id must exist. Templates
    /// that used one lose it (their hg_version goes up). A failure on the host changes nothing in
    /// the inventory; repeating the call after a partial removal converges.
    /// </summary>
    public async Task<ApiResult<DriverDeletion>> DeleteAsync(IReadOnlyList<long> ids, Caller caller, CancellationToken ct)
    {
        var found = await drivers.GetManyAsync(ids, ct);
        var missing = ids.Except(found.Select(d => d.Id)).ToList();
        if (missing.Count > 0)
        {
            return DriverCenterErrors.DriverNotFound("ids", $"no system driver {string.Join(", ", missing)}");
        }
        var ready = await host.ReadyAsync(ct);
        if (ready.Error is { } unavailable)
        {
            return unavailable;
        }
        var (agent, state) = ready.Value;
        if (DriverDiskUseCases.EditableProblem(state) is { } notEditable)
        {
            return notEditable;
        }
        try
        {
            foreach (var group in found.GroupBy(d => d.Type))
            {
                await agent.RemoveDriverFilesAsync(new RemoveDriverFilesRequest
                {
                    OperationId = $"driver-delete.{string.Join('-', group.Select(d => d.Id))}.{Guid.NewGuid():N}",
                    Folder = DriverTypes.Folder(group.Key),
                    TargetNames = { group.Select(d => d.FileName) },
                }, ct);
            }
        }
        catch (AgentException e)
        {
            LogDeleteFailed(string.Join(", ", ids), e.Message);
            return DriverCenterErrors.FromAgent(e, "ids");
        }
        var changed = await drivers.DeleteAsync(ids, found.Select(d => new AuditEvent(AuditActions.DriverDelete, $"driver-{d.Id}", caller, new { d.Name, d.FileName })).ToList(), ct);
        foreach (var driver in found)
        {
            LogDeleted(driver.Id, driver.Name);
        }
        if (changed.Count > 0)
        {
            LogTemplatesChanged(changed);
        }
        return new DriverDeletion(ids, changed);
    }

    private async Task RemoveFromDiskAsync(AgentClient agent, short type, string folderName, CancellationToken ct)
    {
        try
        {
            await agent.RemoveDriverFilesAsync(new RemoveDriverFilesRequest
            {
                OperationId = $"driver-discard.{Guid.NewGuid():N}",
                Folder = DriverTypes.Folder(type),
                TargetNames = { folderName },
            }, ct);
        }
        catch (AgentException e)
        {
            LogDeleteFailed(folderName, e.Message);
        }
    }

    /// <summary>An upload is only a means: it goes once imported or refused (best effort; the name is unique, a leftover harms nothing).</summary>
    private async Task DeleteUploadAsync(AgentClient agent, string uploadName)
    {
        try
        {
            await agent.DeleteFileAsync(uploadName, CancellationToken.None);
        }
        catch (AgentException e)
        {
            LogUploadLeft(uploadName, e.Message);
        }
    }

    [LoggerMessage(EventId = 1831, Level = LogLevel.Information, Message = "voi_drive_file_manage: uploading {FileName} as driver {Id} to {Endpoint}")]
    private partial void LogUploading(string fileName, long id, string endpoint);

    [LoggerMessage(EventId = 1832, Level = LogLevel.Information, Message = "voi_drive_file_manage: {FileName} imported as driver {Id} ({Files} files, {Bytes} bytes)")]
    private partial void LogImported(string fileName, long id, long files, long bytes);

    [LoggerMessage(EventId = 1833, Level = LogLevel.Warning, Message = "voi_drive_file_manage: upload of {FileName} failed: {Reason}")]
    private partial void LogUploadFailed(string fileName, string reason);

    [LoggerMessage(EventId = 1834, Level = LogLevel.Information, Message = "voi_drive_file_manage: driver {Id} ({Name}) deleted")]
    private partial void LogDeleted(long id, string name);

    [LoggerMessage(EventId = 1835, Level = LogLevel.Warning, Message = "voi_drive_file_manage: removing {What} from the driver disk failed: {Reason}")]
    private partial void LogDeleteFailed(string what, string reason);

    [LoggerMessage(EventId = 1836, Level = LogLevel.Information, Message = "voi_drive_heterogeneous_manage: templates {Templates} lost a deleted driver; their hg_version went up")]
    private partial void LogTemplatesChanged(IReadOnlyList<string> templates);

    [LoggerMessage(EventId = 1837, Level = LogLevel.Warning, Message = "voi_drive_file_manage: the upload {Name} could not be deleted from the host: {Reason}")]
    private partial void LogUploadLeft(string name, string reason);
}

/// <summary>What a delete did: the drivers removed, and the templates whose drivers changed.</summary>
internal sealed record DriverDeletion(IReadOnlyList<long> Ids, IReadOnlyList<string> TemplatesChanged);

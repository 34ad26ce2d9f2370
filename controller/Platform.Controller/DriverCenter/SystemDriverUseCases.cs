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
    DriverCenterHost host, StagedUploads uploads, SystemDriverStore drivers, ILogger<SystemDriverUseCases> logger)
{
    /// <summary>The refusal of a file name that is no system driver (by extension; the agent checks the content).</summary>
    public static ApiError? CheckFileName(string fileName) =>
        DriverTypes.OfFileName(fileName) is null
            ? DriverCenterErrors.UnacceptableFileType("file", $"'{fileName}' is neither .iso (universal driver) nor .tq (extracted driver)")
            : null;

    /// <summary>
    /// Imports a staged upload as a driver. The row holds the name while the agent imports
    /// (status importing); every failure removes the row and the staged file, so a refused upload
    /// leaves nothing: no row, no file on the host.
    /// </summary>
    public async Task<ApiResult<SystemDriverRecord>> ImportAsync(DriverUpload upload, StagedUpload staged, Caller caller, CancellationToken ct)
    {
        if (CheckFileName(upload.FileName) is { } unacceptable)
        {
            await uploads.DiscardAsync(staged);
            return unacceptable;
        }
        var type = DriverTypes.OfFileName(upload.FileName)!.Value;
        var folderName = Path.GetFileNameWithoutExtension(upload.FileName);
        if (await drivers.TryReserveAsync(upload.Name, upload.OsType, type, upload.Describe, folderName, ct) is not { } id)
        {
            await uploads.DiscardAsync(staged);
            return DriverCenterErrors.DuplicateName("name", $"a system driver named '{upload.Name}' or stored as '{folderName}' exists");
        }
        var kept = false;
        try
        {
            LogUploading(upload.FileName, id, staged.Agent.Endpoint);
            var imported = await uploads.ImportAsync(staged, $"driver-import.{id}", DriverTypes.Folder(type), folderName, ct);
            if (imported.Error is { } refused)
            {
                return refused;
            }
            var import = imported.Value!;
            var audit = new AuditEvent(AuditActions.DriverUpload, $"driver-{id}", caller,
                new { name = upload.Name, file_name = upload.FileName, type, os_type = upload.OsType, size = staged.SizeBytes, md5 = staged.Md5, files = import.Files });
            if (!await drivers.CompleteImportAsync(id, (long)import.SizeBytes, (int)import.Files, audit, ct))
            {
                // Deleted while it was being imported: the deletion wins, the files go too.
                await RemoveFromDiskAsync(staged.Agent, type, folderName, ct);
                return DriverCenterErrors.DriverNotFound("id", $"system driver {id} was deleted while it was being uploaded");
            }
            kept = true;
            LogImported(upload.FileName, id, (long)import.Files, (long)import.SizeBytes);
            return (await drivers.GetAsync(id, ct))!;
        }
        finally
        {
            if (!kept)
            {
                await drivers.ForgetReservationAsync(id, CancellationToken.None);
            }
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
        var editable = await host.EditableAsync(ct);
        if (editable.Error is { } notEditable)
        {
            return notEditable;
        }
        var agent = editable.Value!;
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

    [LoggerMessage(EventId = 1931, Level = LogLevel.Information, Message = "voi_drive_file_manage: uploading {FileName} as driver {Id} to {Endpoint}")]
    private partial void LogUploading(string fileName, long id, string endpoint);

    [LoggerMessage(EventId = 1932, Level = LogLevel.Information, Message = "voi_drive_file_manage: {FileName} imported as driver {Id} ({Files} files, {Bytes} bytes)")]
    private partial void LogImported(string fileName, long id, long files, long bytes);

    [LoggerMessage(EventId = 1934, Level = LogLevel.Information, Message = "voi_drive_file_manage: driver {Id} ({Name}) deleted")]
    private partial void LogDeleted(long id, string name);

    [LoggerMessage(EventId = 1935, Level = LogLevel.Warning, Message = "voi_drive_file_manage: removing {What} from the driver disk failed: {Reason}")]
    private partial void LogDeleteFailed(string what, string reason);

    [LoggerMessage(EventId = 1936, Level = LogLevel.Information, Message = "voi_drive_heterogeneous_manage: templates {Templates} lost a deleted driver; their hg_version went up")]
    private partial void LogTemplatesChanged(IReadOnlyList<string> templates);
}

/// <summary>What a delete did: the drivers removed, and the templates whose drivers changed.</summary>
internal sealed record DriverDeletion(IReadOnlyList<long> Ids, IReadOnlyList<string> TemplatesChanged);

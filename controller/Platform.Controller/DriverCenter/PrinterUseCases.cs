using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Api;
using Platform.Controller.Audit;

namespace Platform.Controller.DriverCenter;

/// <summary>
/// Printer drivers: console upload of a .zip (extracted into pri/FOLDER with its public config
/// file), edits, config edits that rewrite that file on the disk, duplicates, deletion. The shared
/// printer's password is encrypted with Data Protection and never leaves in any answer or log line.
/// </summary>
internal sealed partial class PrinterUseCases(DriverCenterHost host, StagedUploads uploads, PrinterStore printers, IDataProtectionProvider protection, ILogger<PrinterUseCases> logger)
{
    private readonly IDataProtector _passwords = protection.CreateProtector("Platform.DriverCenter.PrinterPassword");

    /// <summary>The refusal of a file name that is no printer driver (a .zip; the agent checks the content).</summary>
    public static ApiError? CheckFileName(string fileName) =>
        string.Equals(Path.GetExtension(fileName), ".zip", StringComparison.OrdinalIgnoreCase)
            ? null
            : DriverCenterErrors.UnacceptableFileType("file", $"'{fileName}' is not a .zip printer driver");

    /// <summary>Imports a staged .zip as a printer driver with its public config file; a failure leaves no row, no folder, no file.</summary>
    /// <param name="terminal">The terminal that extracted and uploaded it (upload_type 1), or null for the console (2).</param>
    public async Task<ApiResult<PrinterRecord>> ImportAsync(DriverUpload upload, StagedUpload staged, TerminalRecord? terminal, Caller caller, CancellationToken ct)
    {
        if (CheckFileName(upload.FileName) is { } unacceptable)
        {
            await uploads.DiscardAsync(staged);
            return unacceptable;
        }
        var agent = staged.Agent;
        var folder = NewFolderName(Path.GetFileNameWithoutExtension(upload.FileName));
        var id = await printers.ReserveAsync(new NewPrinter(upload.Name, DriverEnvironments.NameOf(upload.OsType), terminal is null ? (short)2 : (short)1, upload.Describe,
            terminal?.Name, terminal?.Mac, folder, PrinterConfig.Initial, null), ct);
        var kept = false;
        try
        {
            var imported = await uploads.ImportAsync(staged, $"printer-import.{id}", DriverFolder.Printer, folder, ct);
            if (imported.Error is { } refused)
            {
                return refused;
            }
            var import = imported.Value!;
            await WriteConfigAsync(agent, folder, upload.Name, PrinterConfig.Initial, ct);
            if (!await printers.CompleteAsync(id, (long)import.SizeBytes, (int)import.Files,
                    new AuditEvent(AuditActions.PrinterUpload, $"printer-{id}", caller, new { name = upload.Name, file_name = upload.FileName, size = staged.SizeBytes, files = import.Files, terminal = terminal?.Mac }), ct))
            {
                return DriverCenterErrors.PrinterNotFound("id", $"printer driver {id} was deleted while it was being uploaded");
            }
            kept = true;
            LogUploaded(upload.FileName, id, folder);
            return (await printers.GetAsync(id, ct))!;
        }
        catch (AgentException e)
        {
            LogFailed($"config of the uploaded {upload.FileName}", e.Message);
            return DriverCenterErrors.FromAgent(e, "file");
        }
        finally
        {
            if (!kept)
            {
                await printers.ForgetReservationAsync(id, CancellationToken.None);
                await RemoveFolderAsync(agent, folder);
            }
        }
    }

    public async Task<ApiResult<PrinterRecord>> UpdateAsync(long id, string? name, string? describe, Caller caller, CancellationToken ct) =>
        await printers.UpdateAsync(id, name, null, describe, null, null, clearPassword: false,
            new AuditEvent(AuditActions.PrinterUpdate, $"printer-{id}", caller, new { name, describe }), ct) is { } updated
            ? updated
            : DriverCenterErrors.PrinterNotFound("id", $"printer driver {id} does not exist");

    /// <summary>Changes the public config (and the password), rewriting the file terminals receive first: the disk and the inventory agree.</summary>
    public async Task<ApiResult<PrinterRecord>> ConfigureAsync(PrinterRecord printer, PrinterConfig config, string? password, Caller caller, CancellationToken ct)
    {
        var editable = await host.EditableAsync(ct);
        if (editable.Error is { } unavailable)
        {
            return unavailable;
        }
        try
        {
            await WriteConfigAsync(editable.Value!, printer.FileName, printer.Name, config, ct);
        }
        catch (AgentException e)
        {
            LogFailed($"config of printer {printer.Id}", e.Message);
            return DriverCenterErrors.FromAgent(e, "id");
        }
        var updated = await printers.UpdateAsync(printer.Id, null, null, null, config, password is { Length: > 0 } ? _passwords.Protect(password) : null, clearPassword: password == "",
            // The audit row says that the password changed, never what it is.
            new AuditEvent(AuditActions.PrinterConfig, $"printer-{printer.Id}", caller, new { type = config.Type, config.Ip, config.Port, password_changed = password is not null }), ct);
        LogConfigured(printer.Id, config.Type);
        return updated is null ? DriverCenterErrors.PrinterNotFound("id", $"printer driver {printer.Id} does not exist") : updated;
    }

    /// <summary>Copies the driver (files and config, password included) under a new folder, so the copy's config can differ.</summary>
    public async Task<ApiResult<PrinterRecord>> DuplicateAsync(long id, Caller caller, CancellationToken ct)
    {
        var source = await printers.GetAsync(id, ct);
        if (source is null || source.Status != "available")
        {
            return DriverCenterErrors.PrinterNotFound("id", $"printer driver {id} does not exist");
        }
        var editable = await host.EditableAsync(ct);
        if (editable.Error is { } unavailable)
        {
            return unavailable;
        }
        var agent = editable.Value!;
        var name = source.Name.Length > 60 ? source.Name[..60] + " 副本" : source.Name + " 副本";
        var folder = NewFolderName(source.FileName.Length > 80 ? source.FileName[..80] : source.FileName);
        var copyId = await printers.ReserveAsync(new NewPrinter(name, source.Environment, source.UploadType, source.Describe, source.ClientName, source.ClientMac, folder,
            source.PublicConfig, source.PasswordProtected), ct);
        var kept = false;
        try
        {
            var copy = await agent.CopyDriverAsync(new CopyDriverRequest
            {
                OperationId = $"printer-duplicate.{copyId}",
                Folder = DriverFolder.Printer,
                SourceName = source.FileName,
                TargetName = folder,
            }, host.Options.OperationTimeout, ct);
            await WriteConfigAsync(agent, folder, name, source.PublicConfig, ct);
            if (!await printers.CompleteAsync(copyId, (long)copy.SizeBytes, (int)copy.Files,
                    new AuditEvent(AuditActions.PrinterDuplicate, $"printer-{copyId}", caller, new { source = id }), ct))
            {
                return DriverCenterErrors.PrinterNotFound("id", $"the copy of printer driver {id} was deleted meanwhile");
            }
            kept = true;
            return (await printers.GetAsync(copyId, ct))!;
        }
        catch (AgentException e)
        {
            LogFailed($"duplicate of printer {id}", e.Message);
            return DriverCenterErrors.ReasonOf(e) == DriverDiskErrorReason.DriverNotFound
                ? DriverCenterErrors.PrinterNotFound("id", e.Detail)
                : DriverCenterErrors.FromAgent(e, "id");
        }
        finally
        {
            if (!kept)
            {
                await printers.ForgetReservationAsync(copyId, CancellationToken.None);
                await RemoveFolderAsync(agent, folder);
            }
        }
    }

    public async Task<ApiResult<IReadOnlyList<long>>> DeleteAsync(IReadOnlyList<long> ids, Caller caller, CancellationToken ct)
    {
        var found = await printers.GetManyAsync(ids, ct);
        var missing = ids.Except(found.Select(p => p.Id)).ToList();
        if (missing.Count > 0)
        {
            return DriverCenterErrors.PrinterNotFound("ids", $"no printer driver {string.Join(", ", missing)}");
        }
        var editable = await host.EditableAsync(ct);
        if (editable.Error is { } unavailable)
        {
            return unavailable;
        }
        try
        {
            await editable.Value!.RemoveDriverFilesAsync(new RemoveDriverFilesRequest
            {
                OperationId = $"printer-delete.{Guid.NewGuid():N}",
                Folder = DriverFolder.Printer,
                TargetNames = { found.Select(p => p.FileName) },
            }, ct);
        }
        catch (AgentException e)
        {
            LogFailed("printer deletion", e.Message);
            return DriverCenterErrors.FromAgent(e, "ids");
        }
        await printers.DeleteAsync(ids, found.Select(p => new AuditEvent(AuditActions.PrinterDelete, $"printer-{p.Id}", caller, new { p.Name })).ToList(), ct);
        return ids.ToList();
    }

    private static Task<WriteDriverFileResponse> WriteConfigAsync(AgentClient agent, string folder, string name, PrinterConfig config, CancellationToken ct) =>
        agent.WriteDriverFileAsync(new WriteDriverFileRequest
        {
            OperationId = $"printer-config.{folder}.{Guid.NewGuid():N}",
            Folder = DriverFolder.Printer,
            TargetName = folder,
            FileName = PrinterConfig.FileName,
            Content = Google.Protobuf.ByteString.CopyFrom(config.ToFile(name)),
        }, ct);

    /// <summary>A folder name of its own for every printer driver: the file's stem (NTFS-safe) and a random suffix.</summary>
    private static string NewFolderName(string stem)
    {
        var safe = new string(stem.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ' ' or '(' or ')' ? c : '_').ToArray()).Trim().TrimEnd('.');
        return $"{(safe.Length == 0 ? "printer" : safe)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
    }

    private async Task RemoveFolderAsync(AgentClient agent, string folder)
    {
        try
        {
            await agent.RemoveDriverFilesAsync(new RemoveDriverFilesRequest { OperationId = $"printer-discard.{Guid.NewGuid():N}", Folder = DriverFolder.Printer, TargetNames = { folder } }, CancellationToken.None);
        }
        catch (AgentException e)
        {
            LogFailed($"removing {folder}", e.Message);
        }
    }

    [LoggerMessage(EventId = 1951, Level = LogLevel.Information, Message = "voi_drive_file_manage: printer driver {FileName} uploaded as {Id} into pri/{Folder}")]
    private partial void LogUploaded(string fileName, long id, string folder);

    [LoggerMessage(EventId = 1952, Level = LogLevel.Warning, Message = "voi_drive_file_manage: {What} failed: {Reason}")]
    private partial void LogFailed(string what, string reason);

    [LoggerMessage(EventId = 1953, Level = LogLevel.Information, Message = "voi_drive_file_manage: printer driver {Id} configured as type {Type}")]
    private partial void LogConfigured(long id, short type);
}

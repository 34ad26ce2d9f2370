using Platform.Contracts.Agent.V1;
using Platform.Controller.Agents;
using Platform.Controller.Api;
using Platform.Controller.Audit;
using Platform.Controller.Tasks;
using Grpc.Core;
using Platform.Contracts.Limits;

namespace Platform.Controller.Images;

internal sealed record CreateImage(string Name, long SizeBytes, string OsType, string Describe);

internal sealed record RegisterImage(string ImageId, string Name, string OsType, string Describe);

internal sealed record UnregisteredImage(string ImageId);

/// <summary>An RBD image of pool images that images/register would refuse, and why.</summary>
internal sealed record UnregistrableImage(string ImageId, string Reason);

internal sealed partial class ImageUseCases(ImageStore images, StorageAgents storage, ILogger<ImageUseCases> logger)
{
    public async Task<ApiResult<ImageRecord>> GetAsync(string imageId, CancellationToken ct) =>
        await images.GetAsync(imageId, ct) is { } image ? image : ApiError.NotFound(ApiErrorCode.ImageNotFound, "image", imageId);

    /// <summary>
    /// Creates an empty RBD image in pool images and its record. The record exists first (as
    /// creating), so a failure leaves it visible in error with the reason; the audit trail has the
    /// request accepted, then how it ended.
    /// </summary>
    public async Task<ApiResult<ImageRecord>> CreateAsync(CreateImage request, Caller caller, CancellationToken ct)
    {
        var agent = await storage.AnyAsync(ct);
        if (agent.Error is { } noHost)
        {
            return noHost;
        }
        var imageId = ResourceIds.New(ResourceIds.Image);
        var audit = new AuditEvent(AuditActions.ImageCreate, imageId, caller, new { image_name = request.Name, image_size = request.SizeBytes, os_type = request.OsType });
        if (!await images.TryInsertAsync(imageId, request.Name, request.SizeBytes, request.OsType, request.Describe, ImageStatus.Creating, audit, AuditOutcomes.Accepted, ct))
        {
            return new ApiError(ApiErrorCode.AlreadyExists, $"image id {imageId} collided; try again");
        }
        try
        {
            await agent.Value!.CreateImageAsync(new CreateImageRequest
            {
                OperationId = $"image-create.{imageId}",
                Pool = StorageAgents.ImagesPool,
                Name = imageId,
                SizeBytes = (ulong)request.SizeBytes,
            }, ct);
        }
        catch (AgentException e)
        {
            LogCreateFailed(imageId, e.Message);
            // One failure for the record, the audit trail and the answer, so their codes agree.
            var failure = TaskFailures.From(e);
            await images.FinishCreationAsync(imageId, failure, audit, CancellationToken.None);
            return failure.ToApiError();
        }
        await images.FinishCreationAsync(imageId, null, audit, ct);
        return (await images.GetAsync(imageId, ct))!;
    }

    /// <summary>
    /// RBD images in pool images that the inventory does not know: those images/register accepts,
    /// and apart from them those whose names it refuses, with the reason.
    /// </summary>
    public async Task<ApiResult<(IReadOnlyList<UnregisteredImage> Offered, IReadOnlyList<UnregistrableImage> Refused)>> ListUnregisteredAsync(CancellationToken ct)
    {
        var agent = await storage.AnyAsync(ct);
        if (agent.Error is { } noHost)
        {
            return noHost;
        }
        ListImagesResponse pool;
        try
        {
            pool = await agent.Value!.ListImagesAsync(StorageAgents.ImagesPool, ct);
        }
        catch (AgentException e)
        {
            return TaskFailures.From(e).ToApiError();
        }
        var known = await images.AllIdsAsync(ct);
        var unknown = pool.Names.Where(name => !known.Contains(name)).Order(StringComparer.Ordinal).ToList();
        IReadOnlyList<UnregisteredImage> offered = unknown.Where(RbdLimits.IsValidName).Select(name => new UnregisteredImage(name)).ToList();
        IReadOnlyList<UnregistrableImage> refused = unknown.Where(name => !RbdLimits.IsValidName(name))
            .Select(name => new UnregistrableImage(name, $"the name {RbdLimits.NameProblem(name)}; rename it (rbd mv) to register it")).ToList();
        return (offered, refused);
    }

    /// <summary>Records an RBD image that already exists in pool images; its size is read from RBD.</summary>
    public async Task<ApiResult<ImageRecord>> RegisterAsync(RegisterImage request, Caller caller, CancellationToken ct)
    {
        if (await images.GetAsync(request.ImageId, ct) is not null)
        {
            return new ApiError(ApiErrorCode.AlreadyExists, $"image {request.ImageId} is already registered");
        }
        var agent = await storage.AnyAsync(ct);
        if (agent.Error is { } noHost)
        {
            return noHost;
        }
        RbdImage rbd;
        try
        {
            rbd = await agent.Value!.GetImageAsync(StorageAgents.ImagesPool, request.ImageId, ct);
        }
        catch (AgentException e) when (e.Status == StatusCode.NotFound)
        {
            return new ApiError(ApiErrorCode.RbdImageNotFound, $"pool {StorageAgents.ImagesPool} has no RBD image {request.ImageId}");
        }
        catch (AgentException e)
        {
            return TaskFailures.From(e).ToApiError();
        }
        var audit = new AuditEvent(AuditActions.ImageRegister, request.ImageId, caller, new { image_name = request.Name, image_size = rbd.SizeBytes, os_type = request.OsType });
        if (!await images.TryInsertAsync(request.ImageId, request.Name, (long)rbd.SizeBytes, request.OsType, request.Describe, ImageStatus.Available, audit, AuditOutcomes.Succeeded, ct))
        {
            return new ApiError(ApiErrorCode.AlreadyExists, $"image {request.ImageId} is already registered");
        }
        return (await images.GetAsync(request.ImageId, ct))!;
    }

    public async Task<ApiResult<ImageRecord>> UpdateAsync(string imageId, string? name, string? describe, string? osType, Caller caller, CancellationToken ct) =>
        await images.UpdateAsync(imageId, name, describe, osType,
            new AuditEvent(AuditActions.ImageUpdate, imageId, caller, new { image_name = name, describe, os_type = osType }), ct) is { } image
            ? image
            : ApiError.NotFound(ApiErrorCode.ImageNotFound, "image", imageId);

    /// <summary>
    /// Unregisters the image; with <paramref name="deleteFile"/> also removes the RBD image.
    /// Refused while instances or volumes depend on it. The row stays locked until the RBD
    /// image is gone, so a failure changes nothing.
    /// </summary>
    public async Task<ApiResult<ImageRecord>> DeleteAsync(string imageId, bool deleteFile, Caller caller, CancellationToken ct)
    {
        var image = await images.GetAsync(imageId, ct);
        if (image is null)
        {
            return ApiError.NotFound(ApiErrorCode.ImageNotFound, "image", imageId);
        }
        await using var deletion = await images.BeginDeletionAsync(imageId, ct);
        if (deletion is null)
        {
            return ApiError.NotFound(ApiErrorCode.ImageNotFound, "image", imageId);
        }
        if (deletion.DependentInstances > 0 || deletion.DependentVolumes > 0)
        {
            return new ApiError(ApiErrorCode.ImageInUse,
                $"image {imageId} is used by {deletion.DependentInstances} instance(s) and {deletion.DependentVolumes} volume(s); delete those first");
        }
        if (deleteFile)
        {
            var agent = await storage.AnyAsync(ct);
            if (agent.Error is { } noHost)
            {
                return noHost;
            }
            try
            {
                await agent.Value!.RemoveImageAsync(new RemoveImageRequest
                {
                    OperationId = $"image-delete.{imageId}.{Guid.NewGuid():N}",
                    Pool = StorageAgents.ImagesPool,
                    Name = imageId,
                }, ct);
            }
            catch (AgentException e) when (e.Status == StatusCode.FailedPrecondition)
            {
                return new ApiError(ApiErrorCode.ImageInUse, $"the RBD image of {imageId} cannot be removed: {e.Detail}");
            }
            catch (AgentException e)
            {
                return TaskFailures.From(e).ToApiError();
            }
        }
        await deletion.CommitAsync(new AuditEvent(AuditActions.ImageDelete, imageId, caller, new { del_file = deleteFile }), ct);
        LogDeleted(imageId, deleteFile);
        return image;
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Creating the RBD image of {ImageId} failed: {Reason}")]
    private partial void LogCreateFailed(string imageId, string reason);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Image {ImageId} deleted (RBD image removed: {FileDeleted})")]
    private partial void LogDeleted(string imageId, bool fileDeleted);
}

using System.Security.Cryptography;
using System.Text;
using Platform.Agent.Storage.Rbd;
using Platform.Contracts.Agent.V1;
using Platform.Grpc;
using RbdImage = Platform.Contracts.Agent.V1.RbdImage;

namespace Platform.Agent.Storage.Commands;

/// <summary>
/// The RBD commands over the Ceph facade, on validated requests. Failures are facade exceptions
/// (mapped to statuses by <see cref="RbdStatusMapping"/>) or, for the commands' own refusals,
/// <see cref="RpcException"/>.
/// </summary>
/// <remarks>
/// Every mutating command converges: the journal replays recorded outcomes, but an operation cut
/// off by a crash (or a deadline) before its outcome was recorded is executed again on retry,
/// over whatever the first attempt left. Per command:
/// <list type="bullet">
/// <item>Create: an existing image of that name with the requested size and no parent is taken as
/// the one an interrupted attempt created (done); any other existing image is ALREADY_EXISTS. An
/// identical image made by someone else is indistinguishable: image names are the controller's.</item>
/// <item>Remove: a missing image is removed (existed=false), so a retry after a crash that removed
/// it answers existed=false, not the true the lost answer carried. A half-done librbd removal is
/// finished by the retry.</item>
/// <item>Resize: sets an absolute size; repeating it is a no-op.</item>
/// <item>Clone: the parent snapshot's name derives from the operation id and the clone's name, so a
/// retry finds the snapshot (created and protected again only if missing) and, when the clone
/// exists as a child of exactly that snapshot, takes it as done; the grow is by absolute size.
/// Another clone (new operation id) gets a fresh snapshot: the parent's content at that time.</item>
/// <item>Flatten: flattening an image without a parent is a no-op; an interrupted flatten leaves a
/// valid clone that the retry completes.</item>
/// </list>
/// </remarks>
internal sealed partial class RbdCommands(CephConnection ceph, ILogger<RbdCommands> logger)
{
    /// <summary>Snapshots this agent makes on parents for clones; removing the parent drops them once their clones are gone.</summary>
    public const string CloneSnapshotPrefix = "platform-clone-";

    public async Task<RbdImage> CreateAsync(CreateImageRequest request, CancellationToken cancellationToken)
    {
        var pool = await ceph.PoolAsync(request.Pool, cancellationToken);
        try
        {
            await pool.CreateImageAsync(request.Name, request.SizeBytes, cancellationToken: cancellationToken);
            LogCreated(logger, request.Pool, request.Name, request.SizeBytes, request.OperationId);
        }
        catch (RbdException e) when (e.Error == CephErrno.Exists)
        {
            var existing = await pool.FindImageAsync(request.Name, cancellationToken);
            if (existing is null || existing.Size != request.SizeBytes || existing.Parent is not null)
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"{pool.At(request.Name)} already exists{(existing is null ? "" : $" ({Describe(existing)})")}"));
            }
            LogConverged(logger, "create", request.Pool, request.Name, request.OperationId);
        }
        return await DescribeAsync(pool, request.Name, cancellationToken);
    }

    public async Task<ListImagesResponse> ListAsync(ListImagesRequest request, CancellationToken cancellationToken)
    {
        var pool = await ceph.PoolAsync(request.Pool, cancellationToken);
        var response = new ListImagesResponse();
        response.Names.AddRange((await pool.ListImagesAsync(cancellationToken)).Order(StringComparer.Ordinal));
        return response;
    }

    public async Task<RbdImage> GetAsync(GetImageRequest request, CancellationToken cancellationToken) =>
        await DescribeAsync(await ceph.PoolAsync(request.Pool, cancellationToken), request.Name, cancellationToken);

    public async Task<RemoveImageResponse> RemoveAsync(RemoveImageRequest request, CancellationToken cancellationToken)
    {
        var pool = await ceph.PoolAsync(request.Pool, cancellationToken);
        bool existed;
        try
        {
            existed = await pool.RemoveImageAsync(request.Name, purgeSnapshots: false, cancellationToken);
        }
        catch (RbdException e) when (e.Error == CephErrno.HasSnapshots && e is not RbdImageInUseException)
        {
            // The facade refuses clones and watchers before it looks at snapshots, so there are no
            // clones now. The snapshots this agent made for them are then its own litter; any other
            // snapshot is somebody's data and keeps the image (the refusal lists them).
            using (var image = await pool.OpenImageAsync(request.Name, readOnly: false, cancellationToken))
            {
                var snapshots = await image.ListSnapshotsAsync(cancellationToken);
                if (snapshots.Any(s => !s.Name.StartsWith(CloneSnapshotPrefix, StringComparison.Ordinal)))
                {
                    throw;
                }
                foreach (var snapshot in snapshots.Where(s => s.IsProtected))
                {
                    await image.UnprotectSnapshotAsync(snapshot.Name, cancellationToken);
                }
            }
            existed = await pool.RemoveImageAsync(request.Name, purgeSnapshots: true, cancellationToken);
        }
        LogRemoved(logger, request.Pool, request.Name, existed, request.OperationId);
        return new RemoveImageResponse { Existed = existed };
    }

    public async Task<RbdImage> ResizeAsync(ResizeImageRequest request, CancellationToken cancellationToken)
    {
        var pool = await ceph.PoolAsync(request.Pool, cancellationToken);
        await pool.ResizeImageAsync(request.Name, request.SizeBytes, request.AllowShrink, cancellationToken);
        LogResized(logger, request.Pool, request.Name, request.SizeBytes, request.OperationId);
        return await DescribeAsync(pool, request.Name, cancellationToken);
    }

    public async Task<RbdImage> CloneAsync(CloneImageRequest request, CancellationToken cancellationToken)
    {
        var parentPool = await ceph.PoolAsync(request.ParentPool, cancellationToken);
        var pool = await ceph.PoolAsync(request.Pool, cancellationToken);
        var snapshot = CloneSnapshotName(request.OperationId, request.Pool, request.Name);

        var parent = await parentPool.GetImageInfoAsync(request.ParentName, cancellationToken);
        if (request.SizeBytes != 0 && request.SizeBytes < parent.Size)
        {
            throw RichStatus.InvalidArgument([RichStatus.Violation("size_bytes", $"{request.SizeBytes} is smaller than the parent's {parent.Size} bytes: a clone can only grow (0 keeps the parent's size)")]);
        }

        // Checked first so that cloning onto a taken name leaves no snapshot behind on the parent.
        var clone = await pool.FindImageAsync(request.Name, cancellationToken);
        var foundDone = clone is not null;
        if (clone is null)
        {
            try
            {
                clone = await parentPool.CloneFromImageAsync(request.ParentName, snapshot, pool, request.Name, cancellationToken: cancellationToken);
                LogCloned(logger, request.ParentPool, request.ParentName, snapshot, request.Pool, request.Name, request.OperationId);
            }
            catch (RbdException e) when (e.Error == CephErrno.Exists && e.Operation == "rbd_clone3")
            {
                clone = await pool.FindImageAsync(request.Name, cancellationToken);
                foundDone = true;
            }
        }
        if (clone?.Parent is not { } cloneParent || cloneParent.Pool != request.ParentPool || cloneParent.Image != request.ParentName || cloneParent.Snapshot != snapshot)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"{pool.At(request.Name)} already exists{(clone is null ? "" : $" ({Describe(clone)})")}, and is not the clone of {parentPool.At(request.ParentName)} this operation makes"));
        }
        if (foundDone)
        {
            LogConverged(logger, "clone", request.Pool, request.Name, request.OperationId);
        }
        if (request.SizeBytes > clone.Size)
        {
            await pool.ResizeImageAsync(request.Name, request.SizeBytes, allowShrink: false, cancellationToken);
        }
        return await DescribeAsync(pool, request.Name, cancellationToken);
    }

    public async Task<RbdImage> FlattenAsync(FlattenImageRequest request, CancellationToken cancellationToken)
    {
        var pool = await ceph.PoolAsync(request.Pool, cancellationToken);
        await pool.FlattenImageAsync(request.Name, progress: null, cancellationToken);
        LogFlattened(logger, request.Pool, request.Name, request.OperationId);
        return await DescribeAsync(pool, request.Name, cancellationToken);
    }

    /// <summary>
    /// "platform-clone-" and 24 hex digits of SHA-256 over the operation id and the clone's name:
    /// the same for every attempt of one operation, different for any other clone.
    /// </summary>
    internal static string CloneSnapshotName(string operationId, string pool, string name)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{operationId}\n{pool}/{name}"));
        return CloneSnapshotPrefix + Convert.ToHexStringLower(digest)[..24];
    }

    private static async Task<RbdImage> DescribeAsync(RbdPool pool, string name, CancellationToken cancellationToken)
    {
        using var image = await pool.OpenImageAsync(name, readOnly: true, cancellationToken);
        var info = await image.GetInfoAsync(cancellationToken);
        var snapshots = await image.ListSnapshotsAsync(cancellationToken);
        var children = await image.ListChildrenAsync(cancellationToken);
        var response = new RbdImage
        {
            Pool = info.Pool,
            Name = info.Name,
            SizeBytes = info.Size,
            Parent = info.Parent?.ToString() ?? "",
        };
        response.Snapshots.AddRange(snapshots.Select(s => s.Name));
        response.Children.AddRange(children.Select(c => c.ToString()).Order(StringComparer.Ordinal));
        return response;
    }

    private static string Describe(RbdImageInfo image) =>
        $"{RbdSizes.Format(image.Size)}{(image.Parent is { } parent ? ", a clone of " + parent : "")}";

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Created {Pool}/{Image} ({Bytes} bytes), operation {OperationId}")]
    private static partial void LogCreated(ILogger logger, string pool, string image, ulong bytes, string operationId);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Removed {Pool}/{Image} (existed: {Existed}), operation {OperationId}")]
    private static partial void LogRemoved(ILogger logger, string pool, string image, bool existed, string operationId);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Resized {Pool}/{Image} to {Bytes} bytes, operation {OperationId}")]
    private static partial void LogResized(ILogger logger, string pool, string image, ulong bytes, string operationId);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Cloned {ParentPool}/{Parent}@{Snapshot} as {Pool}/{Image}, operation {OperationId}")]
    private static partial void LogCloned(ILogger logger, string parentPool, string parent, string snapshot, string pool, string image, string operationId);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Flattened {Pool}/{Image}, operation {OperationId}")]
    private static partial void LogFlattened(ILogger logger, string pool, string image, string operationId);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "{Command} of {Pool}/{Image} found done already (an earlier attempt of operation {OperationId}): converged")]
    private static partial void LogConverged(ILogger logger, string command, string pool, string image, string operationId);
}

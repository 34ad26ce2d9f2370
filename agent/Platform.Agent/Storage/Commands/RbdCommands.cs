using System.Security.Cryptography;
using System.Text;
using Platform.Agent.Storage.Rbd;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Platform.Rpc.Errors;
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
/// the one an interrupted attempt created (done); remains without a header (an attempt cut off
/// inside rbd_create) are removed and the image made; any other existing image is ALREADY_EXISTS. An
/// identical image made by someone else is indistinguishable: image names are the controller's.</item>
/// <item>Remove: a missing image is removed (existed=false); remains without a header count as
/// existing and are removed, so a retry after a crash that removed
/// it answers existed=false, not the true the lost answer carried. A half-done librbd removal is
/// finished by the retry.</item>
/// <item>Resize: sets an absolute size; repeating it is a no-op.</item>
/// <item>Clone: every clone of a parent comes from one protected snapshot of it,
/// <see cref="SharedCloneSnapshot"/>, created and protected by the first clone that needs it (a
/// concurrent first clone finding it created or protected already is fine), as OpenStack's RBD
/// driver clones every volume from the image's one "snap". Repeated clones cost one rbd_clone3,
/// and snapshots do not pile up on the parent. The snapshot holds the parent's content at the
/// first clone: parents are images, written once before they are cloned. A clone that exists
/// as a child of that snapshot (or of the per-operation snapshot earlier agents made,
/// <see cref="CloneSnapshotName"/>) is taken as done; an identical clone made by someone else
/// is indistinguishable, as for create. The grow is by absolute size.</item>
/// <item>Flatten: flattening an image without a parent is a no-op; an interrupted flatten leaves a
/// valid clone that the retry completes.</item>
/// </list>
/// </remarks>
internal sealed partial class RbdCommands(CephConnection ceph, ILogger<RbdCommands> logger)
{
    /// <summary>Snapshots this agent makes on parents for clones; removing the parent drops them once their clones are gone.</summary>
    public const string CloneSnapshotPrefix = "platform-clone-";

    /// <summary>The one protected snapshot of a parent that all its clones come from.</summary>
    public const string SharedCloneSnapshot = CloneSnapshotPrefix + "base";

    public async Task<RbdImage> CreateAsync(CreateImageRequest request, CancellationToken cancellationToken)
    {
        var pool = await ceph.PoolAsync(request.Pool, cancellationToken);
        try
        {
            await pool.CreateImageWithoutReadBackAsync(request.Name, request.SizeBytes, cancellationToken: cancellationToken);
            LogCreated(logger, request.Pool, request.Name, request.SizeBytes, request.OperationId);
            // What rbd_create4 just made, exactly: reading it back would only cost an open of the image.
            return new RbdImage { Pool = request.Pool, Name = request.Name, SizeBytes = request.SizeBytes };
        }
        catch (RbdException e) when (e.Error == CephErrno.Exists)
        {
            var existing = await pool.FindImageAsync(request.Name, cancellationToken);
            if (existing is null && await pool.RemoveIncompleteImageAsync(request.Name, cancellationToken))
            {
                // Remains of an attempt cut off before the header was written: make it whole.
                LogRemainsRemoved(logger, "create", request.Pool, request.Name, request.OperationId);
                return await CreateAsync(request, cancellationToken);
            }
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
        var resized = await pool.ResizeAndDescribeImageAsync(request.Name, request.SizeBytes, request.AllowShrink, cancellationToken);
        LogResized(logger, request.Pool, request.Name, request.SizeBytes, request.OperationId);
        return ToProto(resized);
    }

    public async Task<RbdImage> CloneAsync(CloneImageRequest request, CancellationToken cancellationToken)
    {
        var parentPool = await ceph.PoolAsync(request.ParentPool, cancellationToken);
        var pool = await ceph.PoolAsync(request.Pool, cancellationToken);
        const string snapshot = SharedCloneSnapshot;

        // The usual case first: the parent's snapshot exists and is protected (every clone but the
        // first), no size to check against the parent, so one rbd_clone3 does it all.
        var outcome = request.SizeBytes == 0
            ? await parentPool.TryCloneAsync(request.ParentName, snapshot, pool, request.Name, cancellationToken: cancellationToken)
            : RbdCloneOutcome.SnapshotNotReady;
        RbdImageInfo? clone = null;
        if (outcome == RbdCloneOutcome.SnapshotNotReady)
        {
            var parent = await parentPool.GetImageInfoAsync(request.ParentName, cancellationToken);
            if (request.SizeBytes != 0 && request.SizeBytes < parent.Size)
            {
                throw RichErrors.InvalidArgument([RichErrors.Violation("size_bytes", $"{request.SizeBytes} is smaller than the parent's {parent.Size} bytes: a clone can only grow (0 keeps the parent's size)")]);
            }
            // Checked before the snapshot is made, so that cloning onto a taken name leaves none behind on the parent.
            clone = await pool.FindImageAsync(request.Name, cancellationToken);
            if (clone is null)
            {
                try
                {
                    // Creates and protects the snapshot when missing; safe against a concurrent first clone of the same parent.
                    clone = await parentPool.CloneFromImageAsync(request.ParentName, snapshot, pool, request.Name, cancellationToken: cancellationToken);
                    outcome = RbdCloneOutcome.Cloned;
                }
                catch (RbdException e) when (e.Error == CephErrno.Exists && e.Operation == "rbd_clone3")
                {
                    outcome = RbdCloneOutcome.NameTaken;
                }
            }
            else
            {
                outcome = RbdCloneOutcome.NameTaken;
            }
        }
        if (outcome == RbdCloneOutcome.Cloned)
        {
            LogCloned(logger, request.ParentPool, request.ParentName, snapshot, request.Pool, request.Name, request.OperationId);
        }
        else
        {
            clone = await pool.FindImageAsync(request.Name, cancellationToken);
            if (clone is null && await pool.RemoveIncompleteImageAsync(request.Name, cancellationToken))
            {
                LogRemainsRemoved(logger, "clone", request.Pool, request.Name, request.OperationId);
                return await CloneAsync(request, cancellationToken);
            }
            if (clone?.Parent is not { } cloneParent || cloneParent.Pool != request.ParentPool || cloneParent.Image != request.ParentName
                || (cloneParent.Snapshot != snapshot && cloneParent.Snapshot != CloneSnapshotName(request.OperationId, request.Pool, request.Name)))
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"{pool.At(request.Name)} already exists{(clone is null ? "" : $" ({Describe(clone)})")}, and is not the clone of {parentPool.At(request.ParentName)} this operation makes"));
            }
            LogConverged(logger, "clone", request.Pool, request.Name, request.OperationId);
        }

        // Grown (when asked) and described through one open of the clone.
        var described = request.SizeBytes > (clone?.Size ?? 0)
            ? await pool.ResizeAndDescribeImageAsync(request.Name, request.SizeBytes, allowShrink: false, cancellationToken)
            : await pool.DescribeImageAsync(request.Name, cancellationToken);
        return ToProto(described);
    }

    public async Task<RbdImage> FlattenAsync(FlattenImageRequest request, CancellationToken cancellationToken)
    {
        var pool = await ceph.PoolAsync(request.Pool, cancellationToken);
        await pool.FlattenImageAsync(request.Name, progress: null, cancellationToken);
        LogFlattened(logger, request.Pool, request.Name, request.OperationId);
        return await DescribeAsync(pool, request.Name, cancellationToken);
    }

    /// <summary>
    /// The per-operation parent snapshot earlier agents made for each clone: "platform-clone-" and
    /// 24 hex digits of SHA-256 over the operation id and the clone's name. Still recognised, so
    /// that a retry of a clone such an agent made converges instead of being ALREADY_EXISTS.
    /// </summary>
    internal static string CloneSnapshotName(string operationId, string pool, string name)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{operationId}\n{pool}/{name}"));
        return CloneSnapshotPrefix + Convert.ToHexStringLower(digest)[..24];
    }

    private static async Task<RbdImage> DescribeAsync(RbdPool pool, string name, CancellationToken cancellationToken) =>
        ToProto(await pool.DescribeImageAsync(name, cancellationToken));

    private static RbdImage ToProto(RbdImageDescription description)
    {
        var info = description.Info;
        var response = new RbdImage
        {
            Pool = info.Pool,
            Name = info.Name,
            SizeBytes = info.Size,
            Parent = info.Parent?.ToString() ?? "",
        };
        response.Snapshots.AddRange(description.Snapshots.Select(s => s.Name));
        response.Children.AddRange(description.Children.Select(c => c.ToString()).Order(StringComparer.Ordinal));
        return response;
    }

    private static string Describe(RbdImageInfo image) =>
        $"{RbdSizes.Format(image.Size)}{(image.Parent is { } parent ? ", a clone of " + parent : "")}";

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Created {Pool}/{Image} ({Bytes} bytes), operation {OperationId}")]
    private static partial void LogCreated(ILogger logger, string pool, string image, ulong bytes, string operationId);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "Removed the remains of an interrupted {Command} of {Pool}/{Image} (no header) before making it, operation {OperationId}")]
    private static partial void LogRemainsRemoved(ILogger logger, string command, string pool, string image, string operationId);

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

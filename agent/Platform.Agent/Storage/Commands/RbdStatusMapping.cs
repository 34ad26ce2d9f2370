using Google.Rpc;
using Platform.Agent.Storage.Rbd;
using Grpc.Core;
using Platform.Rpc.Errors;
using Status = Grpc.Core.Status;
using StatusCode = Grpc.Core.StatusCode;

namespace Platform.Agent.Storage.Commands;

/// <summary>
/// The one place where a failure of the Ceph facade becomes a gRPC status. Whatever is not an
/// expected failure (a bug) is left alone and reaches the client as INTERNAL.
/// </summary>
internal static class RbdStatusMapping
{
    /// <summary>The operations of the connection itself: whatever fails there means the cluster cannot be used now.</summary>
    private static readonly HashSet<string> ConnectOperations = new(StringComparer.Ordinal)
    {
        "rados_create2", "rados_conf_read_file", "rados_conf_set", "rados_connect", "rados_cluster_fsid",
    };

    /// <summary>Runs <paramref name="call"/>, turning expected failures into <see cref="RpcException"/>.</summary>
    public static async Task<T> GuardAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException && ToRpcException(e, context.Deadline) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>The status for an expected failure, or null for anything else.</summary>
    public static RpcException? ToRpcException(Exception exception, DateTime deadline) => exception switch
    {
        RbdImageInUseException inUse => InUse(inUse),
        RadosException rados when ConnectOperations.Contains(rados.Operation) =>
            Error(StatusCode.Unavailable, $"the Ceph cluster cannot be reached: {rados.Message}"),
        RadosException { Operation: "rados_ioctx_create", Error: CephErrno.NotFound } rados =>
            Error(StatusCode.FailedPrecondition, $"the pool does not exist on the cluster: {rados.Message}"),
        CephException ceph => Error(CodeOf(ceph.Error), ceph.Message),
        OperationCanceledException when DateTime.UtcNow >= deadline =>
            Error(StatusCode.DeadlineExceeded, "the deadline passed before the command finished; it may have been partly done, and a retry with the same operation id completes it"),
        OperationCanceledException => Error(StatusCode.Cancelled, "the call was cancelled"),
        // The facade's own checks of names and sizes, should a request get past validation.
        ArgumentException argument => Error(StatusCode.InvalidArgument, argument.Message),
        _ => null,
    };

    internal static StatusCode CodeOf(CephErrno error) => error switch
    {
        CephErrno.NotFound => StatusCode.NotFound,
        CephErrno.Exists => StatusCode.AlreadyExists,
        CephErrno.Busy or CephErrno.HasSnapshots or CephErrno.ReadOnly or CephErrno.NotSupported or CephErrno.NotImplemented => StatusCode.FailedPrecondition,
        CephErrno.InvalidArgument or CephErrno.NameTooLong or CephErrno.TooLarge => StatusCode.InvalidArgument,
        CephErrno.TimedOut or CephErrno.ConnectionRefused or CephErrno.Blocklisted or CephErrno.Restart => StatusCode.Unavailable,
        CephErrno.NoSpace or CephErrno.QuotaExceeded => StatusCode.ResourceExhausted,
        CephErrno.NotPermitted or CephErrno.AccessDenied => StatusCode.PermissionDenied,
        CephErrno.Canceled => StatusCode.Cancelled,
        _ => StatusCode.Internal,
    };

    private static RpcException Error(StatusCode code, string message) => new(new Status(code, message));

    /// <summary>FAILED_PRECONDITION naming the watchers and clones, in the message and as google.rpc.PreconditionFailure.</summary>
    private static RpcException InUse(RbdImageInUseException inUse)
    {
        var failure = new PreconditionFailure();
        foreach (var clone in inUse.Clones)
        {
            failure.Violations.Add(new PreconditionFailure.Types.Violation { Type = "HAS_CLONES", Subject = clone.ToString(), Description = $"{inUse.ObjectName} has the clone {clone}" });
        }
        foreach (var watcher in inUse.Watchers)
        {
            failure.Violations.Add(new PreconditionFailure.Types.Violation { Type = "IN_USE", Subject = watcher.ToString(), Description = $"{inUse.ObjectName} is open by {watcher}" });
        }
        return RichErrors.Error(StatusCode.FailedPrecondition, inUse.Message, failure);
    }
}

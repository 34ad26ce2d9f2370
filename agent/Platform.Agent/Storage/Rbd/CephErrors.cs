using System.Runtime.InteropServices;
using Platform.Common.Observability;

namespace Platform.Agent.Storage.Rbd;

/// <summary>The one place where a native result becomes an exception, and so where native errors are counted.</summary>
internal static class CephErrors
{
    /// <summary>Returns a non-negative <paramref name="result"/>; throws <see cref="RadosException"/> for a negative errno.</summary>
    public static int CheckRados(int result, string operation, string? objectName) =>
        result >= 0 ? result : throw Rados(result, operation, objectName);

    public static RadosException Rados(int result, string operation, string? objectName)
    {
        PlatformMetrics.CountNativeError(PlatformMetrics.NativeSources.Rados);
        return new(FromResult(result), operation, objectName, Message(result, operation, objectName));
    }

    /// <summary>Returns a non-negative <paramref name="result"/>; throws <see cref="RbdException"/> for a negative errno.</summary>
    public static int CheckRbd(int result, string operation, string? objectName) =>
        result >= 0 ? result : throw Rbd(result, operation, objectName);

    public static RbdException Rbd(int result, string operation, string? objectName)
    {
        PlatformMetrics.CountNativeError(PlatformMetrics.NativeSources.Rbd);
        return new(FromResult(result), operation, objectName, Message(result, operation, objectName));
    }

    /// <summary>A refusal of the facade's own, worded like a native failure.</summary>
    public static RbdException Refused(CephErrno error, string operation, string objectName, string reason) =>
        new(error, operation, objectName, $"{operation} {objectName}: {reason}");

    public static CephErrno FromResult(int result) => result >= 0 ? CephErrno.None : (CephErrno)(-result);

    public static string Message(int result, string operation, string? objectName)
    {
        var error = FromResult(result);
        var target = string.IsNullOrEmpty(objectName) ? "" : " " + objectName;
        return $"{operation}{target} failed: {Describe(error)} (errno {(int)error})";
    }

    /// <summary>What an errno means for RBD; the C library's text for the others.</summary>
    public static string Describe(CephErrno error) => error switch
    {
        CephErrno.None => "success",
        CephErrno.NotPermitted => "operation not permitted by this client's caps",
        CephErrno.NotFound => "does not exist",
        CephErrno.AccessDenied => "access denied (check the cephx user and key)",
        CephErrno.Busy => "busy (open by a client, or a snapshot in use by clones)",
        CephErrno.Exists => "already exists",
        CephErrno.InvalidArgument => "invalid argument",
        CephErrno.NoSpace => "the cluster is out of space",
        CephErrno.ReadOnly => "the image is open read-only",
        CephErrno.BufferTooSmall => "result buffer too small",
        CephErrno.HasSnapshots => "the image has snapshots",
        CephErrno.NotSupported => "not supported by this cluster or image",
        CephErrno.Blocklisted => "this client has been blocklisted",
        CephErrno.TimedOut => "timed out (no monitor or OSD answered in time)",
        CephErrno.QuotaExceeded => "the pool quota is exhausted",
        CephErrno.Canceled => "canceled",
        _ => Marshal.GetPInvokeErrorMessage((int)error),
    };
}

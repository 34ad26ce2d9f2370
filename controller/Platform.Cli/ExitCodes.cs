namespace Platform.Cli;

/// <summary>
/// What platformctl exits with, one class per kind of failure so scripts can branch on it.
/// The REST classes follow the envelope's <c>code</c>, whose first three digits are the HTTP status.
/// </summary>
internal enum ExitCode
{
    Ok = 0,
    Other = 1,
    /// <summary>The command line or the request was refused as bad input (400xx, 405xx, 413xx, 414xx, 416xx, 422xx, 431xx; gRPC INVALID_ARGUMENT).</summary>
    BadInput = 2,
    /// <summary>The resource, task or route is unknown (404xx; gRPC NOT_FOUND, UNIMPLEMENTED).</summary>
    NotFound = 3,
    /// <summary>The resource's state or a conflict refused it (409xx; gRPC ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED).</summary>
    Conflict = 4,
    /// <summary>The controller, a host or an agent did not answer or failed (5xxxx, connection refused; gRPC UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL).</summary>
    Unavailable = 5,
    /// <summary>The operation's task ended failed.</summary>
    TaskFailed = 6,
    /// <summary>The task had not finished within --timeout (it goes on on the server).</summary>
    TimedOut = 7,
    /// <summary>No valid credentials, or the role may not (401xx, 403xx, 429xx; gRPC UNAUTHENTICATED, PERMISSION_DENIED).</summary>
    Denied = 8,
}

internal static class ExitCodes
{
    /// <summary>The lines of --help and the README that explain the exit codes.</summary>
    public const string Help = """
        Exit codes:
          0  ok
          1  any other failure
          2  bad input: the command line, or the server refused the request (400xx, 405xx, 413xx, 414xx, 416xx, 422xx, 431xx)
          3  not found (404xx)
          4  conflict or state (409xx)
          5  server, host or agent unavailable or failing (5xxxx, connection refused)
          6  the operation's task failed
          7  the task had not finished within --timeout
          8  denied: no valid credentials, or the role may not (401xx, 403xx, 429xx)
        """;

    /// <summary>The exit code of a failed /api/v1 or /thor envelope, from its stable code (HTTP status × 100 + n).</summary>
    public static ExitCode ForApiCode(int code) => ForHttpStatus(code / 100);

    public static ExitCode ForHttpStatus(int status) => status switch
    {
        400 or 405 or 413 or 414 or 416 or 422 or 431 => ExitCode.BadInput,
        404 => ExitCode.NotFound,
        409 => ExitCode.Conflict,
        401 or 403 or 429 => ExitCode.Denied,
        >= 500 and < 600 => ExitCode.Unavailable,
        _ => ExitCode.Other,
    };

    public static ExitCode ForGrpcStatus(Grpc.Core.StatusCode status) => status switch
    {
        Grpc.Core.StatusCode.OK => ExitCode.Ok,
        Grpc.Core.StatusCode.InvalidArgument or Grpc.Core.StatusCode.OutOfRange => ExitCode.BadInput,
        Grpc.Core.StatusCode.NotFound or Grpc.Core.StatusCode.Unimplemented => ExitCode.NotFound,
        Grpc.Core.StatusCode.AlreadyExists or Grpc.Core.StatusCode.FailedPrecondition or Grpc.Core.StatusCode.Aborted => ExitCode.Conflict,
        Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.DeadlineExceeded or Grpc.Core.StatusCode.Internal
            or Grpc.Core.StatusCode.ResourceExhausted or Grpc.Core.StatusCode.DataLoss => ExitCode.Unavailable,
        Grpc.Core.StatusCode.Unauthenticated or Grpc.Core.StatusCode.PermissionDenied => ExitCode.Denied,
        _ => ExitCode.Other,
    };
}

/// <summary>An expected failure of a command: what to print and what to exit with.</summary>
internal sealed record CommandFailure(ExitCode Exit, string Message);


namespace Platform.Grpc;

/// <summary>
/// A call that ended with a status other than OK. Thrown by handlers to answer with that
/// status (its <see cref="Trailers"/> are sent too), and by clients when a call fails.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status)
        : this(status, new Metadata())
    {
    }

    public RpcException(Status status, Metadata trailers)
        : base($"{status.StatusCode}: {status.Detail}")
    {
        Status = status;
        Trailers = trailers;
    }

    public RpcException(Status status, Metadata trailers, Exception innerException)
        : base($"{status.StatusCode}: {status.Detail}", innerException)
    {
        Status = status;
        Trailers = trailers;
    }

    public Status Status { get; }
    public StatusCode StatusCode => Status.StatusCode;
    public Metadata Trailers { get; }
}

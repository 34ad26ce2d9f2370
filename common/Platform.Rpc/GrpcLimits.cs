namespace Platform.Rpc;

/// <summary>The limits both ends of every platform channel agree on.</summary>
public static class GrpcLimits
{
    /// <summary>Largest message either side accepts unless configured otherwise (gRPC's customary 4 MiB).</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;
}

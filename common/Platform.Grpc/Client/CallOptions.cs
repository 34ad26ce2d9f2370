namespace Platform.Grpc;

/// <summary>Per-call settings: request metadata, deadline (UTC), cancellation.</summary>
public readonly record struct CallOptions(Metadata? Headers = null, DateTime? Deadline = null, CancellationToken CancellationToken = default);

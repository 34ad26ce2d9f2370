namespace Platform.Controller.Idempotency;

/// <summary>
/// The request body as the endpoint reads it, hashed on the way (<see cref="BodyHasher"/>): the
/// request's identity needs no copy of the body, whatever its size. Read-only, forward-only.
/// </summary>
internal sealed class FingerprintedBody(Stream inner, string? boundary) : Stream
{
    private readonly BodyHasher _hasher = new(boundary);

    /// <summary>The body's hash once it has been read to its end; null before.</summary>
    public string? Hash => _hasher.Hash;

    /// <summary>Bytes read so far (all of them once <see cref="Hash"/> is set).</summary>
    public long Bytes => _hasher.Bytes;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => Bytes; set => throw new NotSupportedException(); }

    /// <summary>
    /// Reads what the endpoint left unread, to the end: false (the hash stays unknown) when the
    /// body goes on past <paramref name="limit"/> bytes in all.
    /// </summary>
    public async Task<bool> DrainAsync(long limit, CancellationToken ct)
    {
        var buffer = new byte[64 << 10];
        while (Hash is null && Bytes <= limit)
        {
            if (await ReadAsync(buffer, ct) == 0)
            {
                break;
            }
        }
        return Bytes <= limit;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Observe(buffer.Span[..read], buffer.Length);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Observe(buffer[..read], buffer.Length);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hasher.Dispose();
        }
        base.Dispose(disposing);
    }

    private void Observe(ReadOnlySpan<byte> read, int asked)
    {
        if (read.Length > 0)
        {
            _hasher.Append(read);
        }
        else if (asked > 0 && _hasher.Hash is null)
        {
            // A read of nothing for room to spare is the end of the body.
            _hasher.Complete();
        }
    }
}

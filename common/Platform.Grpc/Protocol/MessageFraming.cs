using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Platform.Grpc.Protocol;

/// <summary>Length-prefixed messages: a compressed flag, a 4-byte big-endian length, the protobuf bytes.</summary>
internal static class MessageFraming
{
    /// <summary>
    /// Reads the next message, or null when the stream ends cleanly between messages.
    /// A stream that ends inside a message, a message over <paramref name="maxSize"/>, or a
    /// compressed message without an agreed encoding are protocol errors (RpcException).
    /// </summary>
    public static async ValueTask<T?> ReadAsync<T>(PipeReader reader, MessageParser<T> parser, int maxSize, string? encoding, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                // Kestrel's request body reader reports a cancelled token as a cancelled read
                // rather than throwing; without this the loop would spin on it.
                throw new OperationCanceledException("Reading the message stream was cancelled.", cancellationToken);
            }
            var buffer = result.Buffer;
            if (TryParseFrame(ref buffer, maxSize, out var compressed, out var payload))
            {
                try
                {
                    return Parse(parser, payload, compressed, encoding, maxSize);
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start);
                }
            }
            if (result.IsCompleted)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                return leftover == 0
                    ? default
                    : throw new RpcException(new Status(StatusCode.Internal, $"Incomplete message: the stream ended {leftover} bytes into a message."));
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static bool TryParseFrame(ref ReadOnlySequence<byte> buffer, int maxSize, out bool compressed, out ReadOnlySequence<byte> payload)
    {
        compressed = false;
        payload = default;
        if (buffer.Length < GrpcProtocol.FrameHeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[GrpcProtocol.FrameHeaderSize];
        buffer.Slice(0, GrpcProtocol.FrameHeaderSize).CopyTo(header);
        compressed = header[0] switch
        {
            0 => false,
            1 => true,
            var flag => throw new RpcException(new Status(StatusCode.Internal, $"Invalid compressed flag {flag} in message header.")),
        };
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > maxSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Received message of {length} bytes exceeds the maximum of {maxSize} bytes."));
        }
        if (buffer.Length < GrpcProtocol.FrameHeaderSize + length)
        {
            return false;
        }
        payload = buffer.Slice(GrpcProtocol.FrameHeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    private static T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload, bool compressed, string? encoding, int maxSize)
        where T : IMessage<T>
    {
        if (compressed)
        {
            if (encoding != GrpcProtocol.Gzip)
            {
                throw new RpcException(new Status(StatusCode.Internal, "Received a compressed message but the call's grpc-encoding is " + (encoding ?? "not set") + "."));
            }
            payload = new ReadOnlySequence<byte>(GzipCompression.Decompress(payload, maxSize));
        }
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize message: " + e.Message));
        }
    }

    /// <summary>Writes one framed message (not flushed). Over <paramref name="maxSize"/> is RESOURCE_EXHAUSTED.</summary>
    public static void Write(IBufferWriter<byte> writer, IMessage message, int? maxSize, bool compress)
    {
        var size = message.CalculateSize();
        if (size > maxSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Sending message of {size} bytes exceeds the maximum of {maxSize} bytes."));
        }
        if (compress)
        {
            var compressed = GzipCompression.Compress(message.ToByteArray());
            var frame = writer.GetSpan(GrpcProtocol.FrameHeaderSize + compressed.Length);
            frame[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(frame[1..], (uint)compressed.Length);
            compressed.CopyTo(frame[GrpcProtocol.FrameHeaderSize..]);
            writer.Advance(GrpcProtocol.FrameHeaderSize + compressed.Length);
            return;
        }
        var span = writer.GetSpan(GrpcProtocol.FrameHeaderSize + size);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
        message.WriteTo(span.Slice(GrpcProtocol.FrameHeaderSize, size));
        writer.Advance(GrpcProtocol.FrameHeaderSize + size);
    }
}
